// The gateway in front of the explorer's stream (Server-Sent Events, /api/v1/explorer/stream): each event
// reaches the client as the backend writes it, a quiet stream outlives UPSTREAM_TIMEOUT_MS, and the explorer's
// routes (only they) receive the caller's Authorization and Last-Event-ID.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createGatewayApp, loadConfig } from "../src/app.ts";
import { everyUpstream } from "./gateway.fixture.ts";

let backend: Server;
let gateway: { stop(): Promise<void> };
let url = "";
const seen: Array<{ path: string; headers: IncomingHttpHeaders }> = [];
let release: () => void = () => {};

beforeAll(async () => {
  backend = createServer((req, res) => {
    seen.push({ path: req.url ?? "", headers: req.headers });
    if (req.url?.startsWith("/api/v1/explorer/stream")) {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store" });
      res.write("id: 1\nevent: recorded\ndata: one\n\n");
      const second = new Promise<void>((resolve) => {
        release = resolve;
      });
      void second.then(() => res.end("id: 2\nevent: recorded\ndata: two\n\n"));
      return;
    }
    if (req.url === "/api/v1/todos/slow") {
      return; // never answers: the gateway's timeout does
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end("{}");
  });
  await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
  const app = createGatewayApp({
    ...loadConfig({}),
    port: 0,
    logLevel: "silent",
    upstreamTimeoutMs: 300,
    upstreams: everyUpstream(origin),
  });
  url = (await app.start()).url;
  gateway = app;
});

afterAll(async () => {
  release();
  await gateway?.stop();
  backend.closeAllConnections();
  await new Promise<void>((resolve) => backend.close(() => resolve()));
});

describe("a stream through the gateway", () => {
  it("passes each event on at once and keeps a quiet stream open past the upstream timeout", async () => {
    const res = await fetch(`${url}/api/v1/explorer/stream`, {
      headers: { authorization: "Bearer t0ken", "last-event-id": "41", accept: "text/event-stream" },
    });
    expect([res.status, res.headers.get("content-type"), res.headers.get("x-accel-buffering")]).toEqual([
      200,
      "text/event-stream",
      "no",
    ]);
    const reader = (res.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("data: one\n\n")) text += (await reader.read()).value ?? "";
    // The first event arrived while the backend still holds the second: nothing waits in a buffer.
    expect(text).not.toContain("two");

    // Longer than UPSTREAM_TIMEOUT_MS passes: a request its backend never answers is timed out meanwhile
    // (a clock the test observes instead of sleeping) ...
    const slow = await fetch(`${url}/api/v1/todos/slow`);
    expect(slow.status).toBe(504);
    release();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    // ... and the stream still delivers what comes after.
    expect(text).toBe("id: 1\nevent: recorded\ndata: one\n\nid: 2\nevent: recorded\ndata: two\n\n");
    const streamed = seen.find((s) => s.path === "/api/v1/explorer/stream");
    expect([streamed?.headers.authorization, streamed?.headers["last-event-id"]]).toEqual([
      "Bearer t0ken",
      "41",
    ]);
  });

  it("passes Authorization to the explorer only, never to the other backends", async () => {
    const headers = { authorization: "Bearer t0ken" };
    expect((await fetch(`${url}/api/v1/todos`, { headers })).status).toBe(200);
    expect((await fetch(`${url}/api/v1/explorer/queues`, { headers })).status).toBe(200);
    const auth = (path: string) =>
      seen.filter((s) => s.path === path).map((s) => s.headers.authorization ?? null);
    expect([auth("/api/v1/todos"), auth("/api/v1/explorer/queues")]).toEqual([[null], ["Bearer t0ken"]]);
  });
});
