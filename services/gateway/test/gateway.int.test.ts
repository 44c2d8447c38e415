import { describe, expect, it } from "@jest/globals";
import { waitFor } from "@taskoverflow/test-harness";
import { request } from "undici";
import { useGateway } from "./gateway.fixture.ts";

const g = useGateway({ bodyLimitBytes: 1024 });

describe("forwarding", () => {
  it("passes method, path and query through and the answer back", async () => {
    const res = await fetch(`${g.url}/api/v1/todos?completed=true&window=5`);
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
    const res = await fetch(`${g.url}/api/v1/todos`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: raw,
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("location")).toBe("/api/v1/todos/1");
    expect(g.last(g.todo)?.body).toBe(raw);
    expect(g.last(g.todo)?.headers["content-type"]).toBe("application/json");
    expect(g.last(g.todo)?.headers["content-length"]).toBe(String(Buffer.byteLength(raw)));
  });

  it("forwards PUT and DELETE on one todo, and the backend's own 404", async () => {
    const put = await fetch(`${g.url}/api/v1/todos/3`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: '{"completed":true}',
    });
    expect(put.status).toBe(200);
    expect(g.last(g.todo)).toMatchObject({
      method: "PUT",
      url: "/api/v1/todos/3",
      body: '{"completed":true}',
    });
    const del = await fetch(`${g.url}/api/v1/todos/3`, { method: "DELETE" });
    expect(del.status).toBe(200);
    expect(g.last(g.todo)).toMatchObject({ method: "DELETE", url: "/api/v1/todos/3" });
    const missing = await fetch(`${g.url}/api/v1/todos/404`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: "Todo not found" });
  });

  it("routes the calendar job status and result to the job-status side", async () => {
    const status = await fetch(`${g.url}/api/v1/todos/ical/t-1/status`);
    expect(await status.json()).toMatchObject({
      backend: "job-status",
      url: "/api/v1/todos/ical/t-1/status",
    });
    const result = await fetch(`${g.url}/api/v1/todos/ical/t-1/result`);
    expect(result.headers.get("content-type")).toBe("text/calendar; charset=utf-8");
    expect(result.headers.get("content-disposition")).toBe('attachment; filename="todos.ics"');
    expect(await result.text()).toBe("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");
    const start = await fetch(`${g.url}/api/v1/todos/ical`, { method: "POST" });
    expect(await start.json()).toMatchObject({ backend: "todo", url: "/api/v1/todos/ical" });
  });

  it("streams a large answer of unknown length through whole", async () => {
    const res = await fetch(`${g.url}/api/v1/todos/ical/big/result`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/calendar/);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.length).toBe(48 * 65_536);
    expect(bytes[47 * 65_536]).toBe(0x41 + (47 % 26));
  });

  it("abandons the backend request when the client hangs up", async () => {
    const before = g.todo.abandoned;
    const sent = g.todo.received.length;
    const client = new AbortController();
    const pending = fetch(`${g.url}/api/v1/todos/slow`, { signal: client.signal }).catch(() => "aborted");
    await waitFor(() => g.todo.received.length > sent, { what: "the backend to get the request" });
    client.abort();
    expect(await pending).toBe("aborted");
    // Well before UPSTREAM_TIMEOUT_MS (10 s) would end it anyway.
    await waitFor(() => g.todo.abandoned > before, {
      timeoutMs: 3_000,
      what: "the gateway to hang up on the backend",
    });
  });

  it("tells the backend the host and scheme the client used", async () => {
    const res = await request(`${g.url}/api/v1/todos`, { headers: { host: "todo.example:6400" } });
    await res.body.dump();
    expect(g.last(g.todo)?.headers["x-forwarded-host"]).toBe("todo.example:6400");
    expect(g.last(g.todo)?.headers["x-forwarded-proto"]).toBe("http");
    expect(g.last(g.todo)?.headers["x-forwarded-for"]).toBe("127.0.0.1");
  });
});

describe("correlation id", () => {
  it("passes the caller's id on and back", async () => {
    const res = await fetch(`${g.url}/api/v1/todos`, { headers: { "x-correlation-id": "corr-42" } });
    expect(res.headers.get("x-correlation-id")).toBe("corr-42");
    expect(g.last(g.todo)?.headers["x-correlation-id"]).toBe("corr-42");
  });

  it("creates one when the caller sent none", async () => {
    const res = await fetch(`${g.url}/api/v1/todos`);
    const id = res.headers.get("x-correlation-id");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(g.last(g.todo)?.headers["x-correlation-id"]).toBe(id);
  });
});

describe("web UI", () => {
  it("serves the page at / as HTML", async () => {
    const res = await fetch(`${g.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(await res.text()).toContain("<title>TaskOverflow</title>");
  });

  it("serves the script and the styles with their types", async () => {
    const js = await fetch(`${g.url}/app.js`);
    expect(js.headers.get("content-type")).toMatch(/^(text|application)\/javascript/);
    const css = await fetch(`${g.url}/styles.css`);
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
  });

  it("answers 304 when the browser's copy is current", async () => {
    const first = await fetch(`${g.url}/styles.css`);
    const lastModified = first.headers.get("last-modified") ?? "";
    // undici's request, not fetch: fetch adds its own cache headers to conditional requests.
    const again = await request(`${g.url}/styles.css`, { headers: { "if-modified-since": lastModified } });
    expect(again.statusCode).toBe(304);
    await again.body.dump();
  });

  it("serves nothing outside public/ and answers JSON for a missing file", async () => {
    for (const [path, status] of [
      ["/%2e%2e/package.json", 404],
      ["/..%2fsrc/app.ts", 403],
      ["/missing.html", 404],
    ] as const) {
      const res = await request(`${g.url}${path}`);
      expect({ path, status: res.statusCode }).toEqual({ path, status });
      expect(res.headers["content-type"]).toMatch(/^application\/json/);
      await res.body.dump();
    }
  });
});
