// Server-Sent Events through the gateway (GET /api/v1/todos/ical/:id/events): each event passed on the moment
// the backend writes it, never buffered or compressed, not cut by UPSTREAM_TIMEOUT_MS, and closed upstream
// when the client goes. The backend is a real HTTP server whose stream the test writes line by line.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { openEventStream, waitFor } from "@taskoverflow/test-harness";
import { createGatewayApp, type GatewayConfig, loadConfig } from "../src/app.ts";
import { type FakeBackend, startFakeBackend } from "./fake-backend.ts";
import { everyUpstream } from "./gateway.fixture.ts";

const running: Array<() => Promise<void>> = [];
let jobs: FakeBackend;
let todo: FakeBackend;

async function startGateway(changes: Partial<GatewayConfig> = {}) {
  const gateway = createGatewayApp({
    ...loadConfig({}),
    port: 0,
    logLevel: "silent",
    upstreams: { ...everyUpstream(todo.url), jobStatus: jobs.url },
    ...changes,
  });
  const { url } = await gateway.start();
  running.push(() => gateway.stop());
  return url;
}

beforeAll(async () => {
  jobs = await startFakeBackend("job-status");
  todo = await startFakeBackend("todo");
});

afterAll(async () => {
  for (const stop of running.reverse()) await stop();
  await jobs.close();
  await todo.close();
});

const id = "7d7c2f0e-3b8e-4c55-9f2a-0d6f4f1b2a10";
const path = `/api/v1/todos/ical/${id}/events`;
const event = (state: string) => `id: ${state}\ndata: {"task_status":"${state}"}\n\n`;

describe("event streams through the gateway", () => {
  it("passes each event on as the backend writes it, with Last-Event-ID forwarded, uncompressed", async () => {
    const gw = await startGateway();
    const stream = await openEventStream(`${gw}${path}`, {
      headers: { "last-event-id": "PENDING", "accept-encoding": "gzip, br" },
    });
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(stream.response.headers.get("content-encoding")).toBeNull();
    expect(stream.response.headers.get("content-length")).toBeNull();
    expect(stream.response.headers.get("x-accel-buffering")).toBe("no");
    expect(stream.response.headers.get("cache-control")).toBe("no-store");
    expect(jobs.received.at(-1)?.headers["last-event-id"]).toBe("PENDING");
    expect(await stream.next()).toEqual({ kind: "retry", ms: 2000 });
    // The backend has not ended (nor sent more): a buffering proxy would deliver nothing yet.
    jobs.streams.send(event("STARTED"));
    expect(await stream.next()).toEqual({
      kind: "event",
      id: "STARTED",
      event: undefined,
      data: '{"task_status":"STARTED"}',
    });
    jobs.streams.send(": ping\n\n");
    expect(await stream.next()).toEqual({ kind: "comment", text: "ping" });
    jobs.streams.send(event("SUCCESS"));
    jobs.streams.end();
    expect((await stream.nextEvent())?.id).toBe("SUCCESS");
    expect(await stream.next()).toBeUndefined();
  });

  it("keeps a quiet stream open past UPSTREAM_TIMEOUT_MS", async () => {
    const gw = await startGateway({ upstreamTimeoutMs: 200 });
    const stream = await openEventStream(`${gw}${path}`);
    expect(await stream.next()).toEqual({ kind: "retry", ms: 2000 });
    // An ordinary request to the same gateway times out meanwhile: that much time has passed in silence.
    const slow = await fetch(`${gw}/api/v1/todos/slow`);
    expect(slow.status).toBe(504);
    jobs.streams.send(event("STARTED"));
    expect((await stream.nextEvent())?.id).toBe("STARTED");
    stream.close();
  });

  it("cuts a stream silent for STREAM_IDLE_TIMEOUT_MS (the backend's heartbeats keep a live one open)", async () => {
    const gw = await startGateway({ streamIdleTimeoutMs: 300 });
    const closedBefore = jobs.streams.closed;
    const stream = await openEventStream(`${gw}${path}`);
    expect(await stream.next()).toEqual({ kind: "retry", ms: 2000 });
    await expect(stream.next(10_000)).rejects.toThrow(/terminated|aborted|closed/i);
    await waitFor(() => jobs.streams.closed > closedBefore, { what: "the backend's stream to close" });
  });

  it("closes the backend's stream when the client hangs up", async () => {
    const gw = await startGateway();
    const closedBefore = jobs.streams.closed;
    const stream = await openEventStream(`${gw}${path}`);
    expect(await stream.next()).toEqual({ kind: "retry", ms: 2000 });
    expect(jobs.streams.open).toBe(1);
    stream.close();
    await waitFor(() => jobs.streams.closed === closedBefore + 1 && jobs.streams.open === 0, {
      what: "the backend to see the stream closed",
    });
  });

  it("neither counts nor blocks streams under rate limits", async () => {
    const gw = await startGateway({ rateLimits: { writesPerMinute: 1, exportsPerMinute: 1 } });
    for (let i = 0; i < 5; i++) {
      const stream = await openEventStream(`${gw}${path}`);
      expect(stream.response.status).toBe(200);
      expect(await stream.next()).toEqual({ kind: "retry", ms: 2000 });
      stream.close();
    }
    // The one write a minute is still there: the streams took none of it.
    const write = await fetch(`${gw}/api/v1/todos`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(write.status).toBe(201);
  });
});
