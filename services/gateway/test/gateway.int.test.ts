import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { freePort, waitFor } from "@taskoverflow/test-harness";
import { request } from "undici";
import { createGatewayApp, type GatewayConfig, loadConfig } from "../src/app.ts";
import { type FakeBackend, startFakeBackend } from "./fake-backend.ts";

const running: Array<() => Promise<void>> = [];

async function startGateway(change: (c: GatewayConfig) => Partial<GatewayConfig> = () => ({})) {
  const base: GatewayConfig = { ...loadConfig({}), port: 0, logLevel: "silent" };
  const gateway = createGatewayApp({ ...base, ...change(base) });
  const { url } = await gateway.start();
  running.push(() => gateway.stop());
  return url;
}

let todo: FakeBackend;
let jobs: FakeBackend;
let gw: string;

beforeAll(async () => {
  todo = await startFakeBackend("todo");
  jobs = await startFakeBackend("job-status");
  gw = await startGateway(() => ({
    upstreams: { todo: todo.url, calendarExport: todo.url, jobStatus: jobs.url, calendar: todo.url },
    bodyLimitBytes: 1024,
  }));
});

afterAll(async () => {
  for (const stop of running.reverse()) await stop();
  await todo.close();
  await jobs.close();
});

const last = (b: FakeBackend) => b.received[b.received.length - 1];

describe("forwarding", () => {
  it("passes method, path and query through and the answer back", async () => {
    const res = await fetch(`${gw}/api/v1/todos?completed=true&window=5`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      backend: "todo",
      method: "GET",
      url: "/api/v1/todos?completed=true&window=5",
      body: "",
    });
    expect(res.headers.get("x-internal-secret")).toBeNull();
  });

  it("passes the body through byte for byte, with its content type", async () => {
    const raw = '{"title":  "Write\\u0020tests" ,"description":null}';
    const res = await fetch(`${gw}/api/v1/todos`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: raw,
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("location")).toBe("/api/v1/todos/1");
    expect(last(todo)?.body).toBe(raw);
    expect(last(todo)?.headers["content-type"]).toBe("application/json");
    expect(last(todo)?.headers["content-length"]).toBe(String(Buffer.byteLength(raw)));
  });

  it("forwards PUT and DELETE on one todo, and the backend's own 404", async () => {
    const put = await fetch(`${gw}/api/v1/todos/3`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: '{"completed":true}',
    });
    expect(put.status).toBe(200);
    expect(last(todo)).toMatchObject({ method: "PUT", url: "/api/v1/todos/3", body: '{"completed":true}' });
    const del = await fetch(`${gw}/api/v1/todos/3`, { method: "DELETE" });
    expect(del.status).toBe(200);
    expect(last(todo)).toMatchObject({ method: "DELETE", url: "/api/v1/todos/3" });
    const missing = await fetch(`${gw}/api/v1/todos/404`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: "Todo not found" });
  });

  it("routes the calendar job status and result to the job-status side", async () => {
    const status = await fetch(`${gw}/api/v1/todos/ical/t-1/status`);
    expect(await status.json()).toMatchObject({
      backend: "job-status",
      url: "/api/v1/todos/ical/t-1/status",
    });
    const result = await fetch(`${gw}/api/v1/todos/ical/t-1/result`);
    expect(result.headers.get("content-type")).toBe("text/calendar; charset=utf-8");
    expect(result.headers.get("content-disposition")).toBe('attachment; filename="todos.ics"');
    expect(await result.text()).toBe("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");
    const start = await fetch(`${gw}/api/v1/todos/ical`, { method: "POST" });
    expect(await start.json()).toMatchObject({ backend: "todo", url: "/api/v1/todos/ical" });
  });

  it("streams a large answer of unknown length through whole", async () => {
    const res = await fetch(`${gw}/api/v1/todos/ical/big/result`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/calendar/);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.length).toBe(48 * 65_536);
    expect(bytes[47 * 65_536]).toBe(0x41 + (47 % 26));
  });

  it("abandons the backend request when the client hangs up", async () => {
    const before = todo.abandoned;
    const sent = todo.received.length;
    const client = new AbortController();
    const pending = fetch(`${gw}/api/v1/todos/slow`, { signal: client.signal }).catch(() => "aborted");
    await waitFor(() => todo.received.length > sent, { what: "the backend to get the request" });
    client.abort();
    expect(await pending).toBe("aborted");
    // Well before UPSTREAM_TIMEOUT_MS (10 s) would end it anyway.
    await waitFor(() => todo.abandoned > before, {
      timeoutMs: 3_000,
      what: "the gateway to hang up on the backend",
    });
  });

  it("tells the backend the host and scheme the client used", async () => {
    const res = await request(`${gw}/api/v1/todos`, { headers: { host: "todo.example:6400" } });
    await res.body.dump();
    expect(last(todo)?.headers["x-forwarded-host"]).toBe("todo.example:6400");
    expect(last(todo)?.headers["x-forwarded-proto"]).toBe("http");
    expect(last(todo)?.headers["x-forwarded-for"]).toBe("127.0.0.1");
  });
});

describe("correlation id", () => {
  it("passes the caller's id on and back", async () => {
    const res = await fetch(`${gw}/api/v1/todos`, { headers: { "x-correlation-id": "corr-42" } });
    expect(res.headers.get("x-correlation-id")).toBe("corr-42");
    expect(last(todo)?.headers["x-correlation-id"]).toBe("corr-42");
  });

  it("creates one when the caller sent none", async () => {
    const res = await fetch(`${gw}/api/v1/todos`);
    const id = res.headers.get("x-correlation-id");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(last(todo)?.headers["x-correlation-id"]).toBe(id);
  });
});

describe("errors are JSON", () => {
  it("refuses a body whose declared length is over the limit with 413", async () => {
    const before = todo.received.length;
    const res = await fetch(`${gw}/api/v1/todos`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "x".repeat(2000) }),
    });
    expect(res.status).toBe(413);
    expect(res.headers.get("x-error-code")).toBe("payload_too_large");
    expect(await res.json()).toEqual({ error: "Request body too large (limit 1024 bytes)" });
    expect(todo.received.length).toBe(before);
  });

  it("refuses a chunked body once it passes the limit", async () => {
    const before = todo.received.length;
    async function* chunks() {
      for (let i = 0; i < 8; i++) yield Buffer.alloc(512, 0x61);
    }
    const res = await request(`${gw}/api/v1/todos`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: Readable.from(chunks()),
    });
    expect(res.statusCode).toBe(413);
    expect(res.headers["x-error-code"]).toBe("payload_too_large");
    expect(await res.body.json()).toEqual({ error: "Request body too large (limit 1024 bytes)" });
    expect(todo.received.length).toBe(before);
  });

  it("answers 404 for unknown API routes", async () => {
    for (const path of ["/api/v1/nope", "/api/v1/todos/1/extra", "/api/v2/todos"]) {
      const res = await fetch(`${gw}${path}`);
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await res.json()).toMatchObject({ error: "Not found" });
    }
  });

  it("answers 405 with Allow for a known path and a wrong method", async () => {
    const res = await fetch(`${gw}/api/v1/todos/1`, { method: "PATCH" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, PUT, DELETE");
    expect(res.headers.get("x-error-code")).toBe("method_not_allowed");
    expect(await res.json()).toEqual({ error: "Method not allowed" });
  });

  it("answers 502 when the backend refuses the connection", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const url = await startGateway(() => ({
      upstreams: { todo: closed, calendarExport: closed, jobStatus: closed, calendar: closed },
    }));
    const res = await fetch(`${url}/api/v1/todos`);
    expect(res.status).toBe(502);
    expect(res.headers.get("x-error-code")).toBe("upstream_unavailable");
    expect(await res.json()).toEqual({ error: "Backend unavailable" });
  });

  it("opens the circuit after repeated failures: 503 at once, with Retry-After", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const url = await startGateway((c) => ({
      upstreams: { todo: closed, calendarExport: closed, jobStatus: closed, calendar: closed },
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
    const url = await startGateway(() => ({
      upstreams: { todo: todo.url, calendarExport: todo.url, jobStatus: jobs.url, calendar: todo.url },
      upstreamTimeoutMs: 200,
    }));
    const res = await fetch(`${url}/api/v1/todos/slow`);
    expect(res.status).toBe(504);
    expect(res.headers.get("x-error-code")).toBe("upstream_timeout");
    expect(await res.json()).toEqual({ error: "Backend did not answer in time" });
  });
});

describe("health and readiness", () => {
  it("answers liveness itself", async () => {
    const res = await fetch(`${gw}/api/v1/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("is ready when every backend is healthy", async () => {
    const res = await fetch(`${gw}/api/v1/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: "ok",
      backends: { todo: "ok", calendarExport: "ok", jobStatus: "ok", calendar: "ok" },
    });
  });

  it("is not ready, and says which backend is down", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const url = await startGateway(() => ({
      upstreams: { todo: todo.url, calendarExport: todo.url, jobStatus: closed, calendar: todo.url },
    }));
    const res = await fetch(`${url}/api/v1/ready`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      status: "unavailable",
      error: "Backend unavailable: jobStatus",
      backends: { todo: "ok", calendarExport: "ok", jobStatus: "down", calendar: "ok" },
    });
    jobs.healthy = false;
    try {
      const unhealthy = await fetch(`${gw}/api/v1/ready`);
      expect(unhealthy.status).toBe(503);
      expect(await unhealthy.json()).toMatchObject({ backends: { jobStatus: "down" } });
    } finally {
      jobs.healthy = true;
    }
  });
});

describe("web UI", () => {
  it("serves the page at / as HTML", async () => {
    const res = await fetch(`${gw}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(await res.text()).toContain("<title>TaskOverflow</title>");
  });

  it("serves the script and the styles with their types", async () => {
    const js = await fetch(`${gw}/app.js`);
    expect(js.headers.get("content-type")).toMatch(/^(text|application)\/javascript/);
    const css = await fetch(`${gw}/styles.css`);
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
  });

  it("answers 304 when the browser's copy is current", async () => {
    const first = await fetch(`${gw}/styles.css`);
    const lastModified = first.headers.get("last-modified") ?? "";
    // undici's request, not fetch: fetch adds its own cache headers to conditional requests.
    const again = await request(`${gw}/styles.css`, { headers: { "if-modified-since": lastModified } });
    expect(again.statusCode).toBe(304);
    await again.body.dump();
  });

  it("serves nothing outside public/ and answers JSON for a missing file", async () => {
    for (const [path, status] of [
      ["/%2e%2e/package.json", 404],
      ["/..%2fsrc/app.ts", 403],
      ["/missing.html", 404],
    ] as const) {
      const res = await request(`${gw}${path}`);
      expect({ path, status: res.statusCode }).toEqual({ path, status });
      expect(res.headers["content-type"]).toMatch(/^application\/json/);
      await res.body.dump();
    }
  });
});
