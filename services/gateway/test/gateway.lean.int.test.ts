// The lean proxy path (src/proxy/lean.proxy.ts) answers the proxied routes before Koa; a gateway built with
// `koaOnly` answers them through the Koa chain. Every request here goes to both, and the client (status, headers,
// body), the backend (method, URL, forwarded headers, body) and the log must see the same thing.
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createLogger } from "@taskoverflow/platform";
import { waitFor } from "@taskoverflow/test-harness";
import { request } from "undici";
import { createGatewayApp, type GatewayApp, loadConfig } from "../src/app.ts";
import { type FakeBackend, startFakeBackend } from "./fake-backend.ts";
import { everyUpstream } from "./gateway.fixture.ts";

interface Side {
  url: string;
  app: GatewayApp;
  lines: Array<Record<string, unknown>>;
}

let backend: FakeBackend;
let lean: Side;
let koa: Side;

async function startSide(koaOnly: boolean, writesPerMinute = 1000): Promise<Side> {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString("utf8").split("\n")) if (line !== "") lines.push(JSON.parse(line));
      callback();
    },
  });
  const config = {
    ...loadConfig({}),
    port: 0,
    trustProxy: true,
    bodyLimitBytes: 1024,
    rateLimits: { writesPerMinute, exportsPerMinute: 1000 },
    upstreams: everyUpstream(backend.url),
  };
  const logger = createLogger({ service: "gateway", level: "debug", destination });
  const app = createGatewayApp(config, { logger, koaOnly });
  const { url } = await app.start();
  return { url, app, lines };
}

beforeAll(async () => {
  backend = await startFakeBackend("todo");
  lean = await startSide(false);
  koa = await startSide(true);
});
afterAll(async () => {
  await lean?.app.stop();
  await koa?.app.stop();
  await backend?.close();
});

type Options = NonNullable<Parameters<typeof request>[1]>;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const generated = (id: unknown) => (typeof id === "string" && UUID.test(id) ? "<generated>" : id);

/** One request to one side: what the client, the backend and the log saw (varying parts normalised). */
async function exchange(side: Side, path: string, options: Options = {}) {
  const received = backend.received.length;
  const logged = side.lines.length;
  const res = await request(`${side.url}${path}`, options);
  const body = await res.body.text();
  const { date: _date, "keep-alive": _keepAlive, ...headers } = res.headers;
  headers["x-correlation-id"] = generated(headers["x-correlation-id"]) as string;
  const upstream = backend.received.slice(received).map((r) => {
    const { host: _host, ...forwarded } = r.headers;
    forwarded["x-correlation-id"] = generated(forwarded["x-correlation-id"]) as string;
    forwarded["x-forwarded-for"] = String(forwarded["x-forwarded-for"]).replace(/127\.0\.0\.1$/, "<peer>");
    if (forwarded["x-forwarded-host"] === new URL(side.url).host) forwarded["x-forwarded-host"] = "<gateway>";
    return { ...r, headers: forwarded };
  });
  // Each request logs one "request" line, once it is answered.
  await waitFor(() => side.lines.slice(logged).some((l) => l.msg === "request"), {
    what: "the request line",
  });
  const log = side.lines.slice(logged).map(
    ({ time: _t, ms: _ms, err, ...line }): Record<string, unknown> => ({
      ...line,
      correlationId: generated(line.correlationId),
      ...(err === undefined ? {} : { err: (err as { message?: unknown }).message }),
    }),
  );
  return {
    status: res.statusCode,
    headers,
    body: body.length > 4096 ? `${body.length} bytes` : body,
    upstream,
    log,
  };
}

async function same(path: string, options: Options = {}, sides = { lean, koa }) {
  const a = await exchange(sides.lean, path, options);
  const b = await exchange(sides.koa, path, options);
  expect(a).toEqual(b);
  return a;
}

const json = { "content-type": "application/json" };

describe("the lean proxy path answers as the Koa chain does", () => {
  it("forwards a read: path, query, allowlisted and X-Forwarded-* headers; the answer's allowlisted headers", async () => {
    const seen = await same("/api/v1/todos?page=2&x=%20y", {
      headers: {
        accept: "application/json",
        cookie: "secret=1",
        "x-correlation-id": "abc-123",
        "x-forwarded-for": "203.0.113.7",
        "x-forwarded-host": "todo.example, lb.internal",
        "x-forwarded-proto": "https",
      },
    });
    expect(seen.status).toBe(200);
    expect(seen.headers["x-correlation-id"]).toBe("abc-123");
    expect(seen.headers["content-security-policy"]).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(seen.headers["x-internal-secret"]).toBeUndefined();
    expect(seen.upstream[0]?.headers["x-forwarded-for"]).toBe("203.0.113.7, <peer>");
    expect(seen.upstream[0]?.headers["x-forwarded-host"]).toBe("todo.example");
    expect(seen.log).toEqual([
      {
        level: "info",
        service: "gateway",
        correlationId: "abc-123",
        method: "GET",
        path: "/api/v1/todos",
        status: 200,
        msg: "request",
      },
    ]);
  });

  it("forwards a write with its body; a bare '?' and a malformed correlation id", async () => {
    const seen = await same("/api/v1/todos?", {
      method: "POST",
      headers: { ...json, "x-correlation-id": "bad id!" },
      body: JSON.stringify({ title: "t" }),
    });
    expect(seen.status).toBe(201);
    expect(seen.headers.location).toBe("/api/v1/todos/1");
    expect(seen.headers["x-correlation-id"]).toBe("<generated>");
    expect(seen.upstream[0]?.url).toBe("/api/v1/todos");
  });

  it("passes a backend's 404 and streams a large answer", async () => {
    expect((await same("/api/v1/todos/404")).status).toBe(404);
    const big = await same("/api/v1/todos/ical/big/result");
    expect(big.body).toBe(`${3 * 1024 * 1024} bytes`);
    expect(big.headers["transfer-encoding"]).toBe("chunked");
    expect((await same("/api/v1/todos/ical/7/result")).headers["content-disposition"]).toContain("todos.ics");
  });

  it("refuses alike: 405 with Allow, invalid UTF-8, a body over the limit", async () => {
    const wrongMethod = await same("/api/v1/todos/1", { method: "PATCH" });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe("GET, PUT, DELETE");
    const badBytes = await same("/api/v1/todos/1", {
      method: "PUT",
      headers: json,
      body: Buffer.from([0x7b, 0xff, 0x7d]),
    });
    expect(badBytes.headers["x-error-code"]).toBe("invalid_utf8");
    expect(badBytes.log.map((l) => l.msg)).toEqual(["request rejected", "request"]);
    const tooBig = await same("/api/v1/todos", { method: "POST", headers: json, body: "x".repeat(2000) });
    expect(tooBig.status).toBe(413);
    expect(tooBig.headers.connection).toBe("close");
  });

  it("counts writes against the same rate limit and answers 429 with Retry-After", async () => {
    const sides = { lean: await startSide(false, 2), koa: await startSide(true, 2) };
    try {
      for (let i = 0; i < 2; i++)
        expect((await same("/api/v1/todos/1", { method: "DELETE" }, sides)).status).toBe(200);
      const limited = await same("/api/v1/todos/1", { method: "DELETE" }, sides);
      expect(limited.status).toBe(429);
      expect(limited.headers["retry-after"]).toBeDefined();
      expect(limited.log.map((l) => l.msg)).toEqual(["rate limited", "request rejected", "request"]);
    } finally {
      await sides.lean.app.stop();
      await sides.koa.app.stop();
    }
  });
});

describe("the lean path leaves the rest to Koa", () => {
  it("answers HEAD, unknown /api paths and the health route through Koa", async () => {
    expect((await same("/api/v1/todos", { method: "HEAD" })).status).toBe(200);
    expect((await same("/api/v1/nope")).headers["x-error-code"]).toBe("route_not_found");
    expect((await same("/api/v1/health")).body).toBe('{"status":"ok"}');
  });
});
