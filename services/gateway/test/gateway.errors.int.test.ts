// The gateway's answers when something is wrong (too big, unknown route, wrong method, backend refused, circuit
// open, backend too slow), always JSON. Liveness and readiness: gateway.ready.int.test.ts.
import { Readable } from "node:stream";
import { describe, expect, it } from "@jest/globals";
import { freePort } from "@taskoverflow/test-harness";
import { request } from "undici";
import { everyUpstream, useGateway } from "./gateway.fixture.ts";

const g = useGateway({ bodyLimitBytes: 1024 });

describe("errors are JSON", () => {
  it("refuses a body whose declared length is over the limit with 413", async () => {
    const before = g.todo.received.length;
    const res = await fetch(`${g.url}/api/v1/todos`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "x".repeat(2000) }),
    });
    expect(res.status).toBe(413);
    expect(res.headers.get("x-error-code")).toBe("payload_too_large");
    expect(await res.json()).toEqual({ error: "Request body too large (limit 1024 bytes)" });
    expect(g.todo.received.length).toBe(before);
  });

  it("refuses a chunked body once it passes the limit", async () => {
    const before = g.todo.received.length;
    async function* chunks() {
      for (let i = 0; i < 8; i++) yield Buffer.alloc(512, 0x61);
    }
    const res = await request(`${g.url}/api/v1/todos`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: Readable.from(chunks()),
    });
    expect(res.statusCode).toBe(413);
    expect(res.headers["x-error-code"]).toBe("payload_too_large");
    expect(await res.body.json()).toEqual({ error: "Request body too large (limit 1024 bytes)" });
    expect(g.todo.received.length).toBe(before);
  });

  it("answers 404 for unknown API routes", async () => {
    for (const path of ["/api/v1/nope", "/api/v1/todos/1/extra", "/api/v2/todos"]) {
      const res = await fetch(`${g.url}${path}`);
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await res.json()).toMatchObject({ error: "Not found" });
    }
  });

  it("answers 405 with Allow for a known path and a wrong method", async () => {
    const res = await fetch(`${g.url}/api/v1/todos/1`, { method: "PATCH" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, PUT, DELETE");
    expect(res.headers.get("x-error-code")).toBe("method_not_allowed");
    expect(await res.json()).toEqual({ error: "Method not allowed" });
  });

  it("answers 502 when the backend refuses the connection", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const url = await g.start({ upstreams: everyUpstream(closed) });
    const res = await fetch(`${url}/api/v1/todos`);
    expect(res.status).toBe(502);
    expect(res.headers.get("x-error-code")).toBe("upstream_unavailable");
    expect(await res.json()).toEqual({ error: "Backend unavailable" });
  });

  it("opens the circuit after repeated failures: 503 at once, with Retry-After", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const url = await g.start((c) => ({
      upstreams: everyUpstream(closed),
      circuit: { ...c.circuit, failureThreshold: 2, openMs: 60_000 },
    }));
    expect((await fetch(`${url}/api/v1/todos`)).status).toBe(502);
    expect((await fetch(`${url}/api/v1/todos`)).status).toBe(502);
    const res = await fetch(`${url}/api/v1/todos`);
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("60");
    expect(res.headers.get("x-error-code")).toBe("upstream_circuit_open");
    expect(await res.json()).toEqual({ error: "Service temporarily unavailable" });
  });

  it("answers 504 when the backend is too slow", async () => {
    const url = await g.start({ upstreamTimeoutMs: 200 });
    const res = await fetch(`${url}/api/v1/todos/slow`);
    expect(res.status).toBe(504);
    expect(res.headers.get("x-error-code")).toBe("upstream_timeout");
    expect(await res.json()).toEqual({ error: "Backend did not answer in time" });
  });
});
