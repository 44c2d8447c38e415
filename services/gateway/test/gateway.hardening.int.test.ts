// The gateway's edge rules: per-client rate limits, UTF-8 bodies only, security headers on every answer, and
// the OpenAPI document with its docs page. (Errors from Node's parser: gateway.parser.int.test.ts.)
import { beforeAll, describe, expect, it } from "@jest/globals";
import { openApiChecker } from "@taskoverflow/test-harness";
import { loadConfig } from "../src/app.ts";
import { useGateway } from "./gateway.fixture.ts";

const g = useGateway();

const post = (url: string, path: string, body = '{"title":"x"}', headers: Record<string, string> = {}) =>
  fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });

describe("rate limits", () => {
  it("are off by default: no limit on writes or exports", async () => {
    expect(loadConfig({}).rateLimits).toEqual({ writesPerMinute: 0, exportsPerMinute: 0 });
    const url = await g.start();
    for (let i = 0; i < 30; i++) expect((await post(url, "/api/v1/todos")).status).toBe(201);
  });

  it("limit writes per client: a JSON 429 with Retry-After, reads still served, refilled over the minute", async () => {
    let t = 1_000_000;
    const url = await g.start({ rateLimits: { writesPerMinute: 3, exportsPerMinute: 0 } }, () => t);
    const before = g.todo.received.length;
    for (let i = 0; i < 3; i++) expect((await post(url, "/api/v1/todos")).status).toBe(201);
    const limited = await fetch(`${url}/api/v1/todos/1`, { method: "DELETE" });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("20");
    expect(limited.headers.get("x-error-code")).toBe("rate_limited");
    expect(await limited.json()).toEqual({ error: "Too many requests" });
    expect(g.todo.received.length).toBe(before + 3);
    // Reads and exports are other limits (exports: off here).
    expect((await fetch(`${url}/api/v1/todos`)).status).toBe(200);
    expect((await post(url, "/api/v1/todos/ical", "{}")).status).not.toBe(429);
    // 19.9 s later still none; 20 s after, one more.
    t += 19_900;
    expect((await post(url, "/api/v1/todos")).status).toBe(429);
    t += 100;
    expect((await post(url, "/api/v1/todos")).status).toBe(201);
    expect((await post(url, "/api/v1/todos")).status).toBe(429);
  });

  it("limit exports separately, and count per client: with TRUST_PROXY the address the proxy appended", async () => {
    const t = 5_000_000;
    const url = await g.start(
      { trustProxy: true, rateLimits: { writesPerMinute: 0, exportsPerMinute: 1 } },
      () => t,
    );
    const from = (ip: string, prefix = "") => ({ "x-forwarded-for": `${prefix}${ip}` });
    expect((await post(url, "/api/v1/todos/ical", "{}", from("203.0.113.1"))).status).toBe(201);
    const second = await post(url, "/api/v1/todos/ical", "{}", from("203.0.113.1"));
    expect(second.status).toBe(429);
    expect(second.headers.get("retry-after")).toBe("60");
    // A client cannot get a fresh bucket by prepending addresses of its own: the last entry is the client.
    expect((await post(url, "/api/v1/todos/ical", "{}", from("203.0.113.1", "198.51.100.7, "))).status).toBe(
      429,
    );
    expect((await post(url, "/api/v1/todos/ical", "{}", from("203.0.113.2"))).status).toBe(201);
    // Writes are not limited here.
    for (let i = 0; i < 5; i++)
      expect((await post(url, "/api/v1/todos", '{"title":"x"}', from("203.0.113.1"))).status).toBe(201);
  });

  it("refuse a negative or non-numeric limit at start-up", () => {
    expect(() => loadConfig({ RATE_LIMIT_WRITES_PER_MINUTE: "-1" })).toThrow(/RATE_LIMIT_WRITES_PER_MINUTE/);
    expect(() => loadConfig({ RATE_LIMIT_EXPORTS_PER_MINUTE: "many" })).toThrow(
      /RATE_LIMIT_EXPORTS_PER_MINUTE/,
    );
    expect(
      loadConfig({ RATE_LIMIT_WRITES_PER_MINUTE: "60", RATE_LIMIT_EXPORTS_PER_MINUTE: "6" }).rateLimits,
    ).toEqual({
      writesPerMinute: 60,
      exportsPerMinute: 6,
    });
  });
});

describe("bodies and headers", () => {
  let url: string;
  beforeAll(async () => {
    url = await g.start();
  });

  it("refuses a body that is not valid UTF-8 with 400, before any backend sees it", async () => {
    const before = g.todo.received.length;
    for (const bytes of [
      Buffer.from([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), // {"t":"\xff"}
      Buffer.concat([Buffer.from('{"title":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]), // CESU surrogate
      Buffer.concat([Buffer.from('{"title":"'), Buffer.from([0xc3]), Buffer.from('"}')]), // truncated sequence
    ]) {
      const res = await fetch(`${url}/api/v1/todos`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: bytes,
      });
      expect(res.status).toBe(400);
      expect(res.headers.get("x-error-code")).toBe("invalid_utf8");
      expect(await res.json()).toEqual({ error: "Request body is not valid UTF-8" });
    }
    expect(g.todo.received.length).toBe(before);
    expect((await post(url, "/api/v1/todos", '{"title":"ünïcødé 😀"}')).status).toBe(201);
  });

  it("sets nosniff on every answer, a strict CSP on JSON, and CSP on HTML", async () => {
    const html = ["/", "/docs/"];
    for (const path of ["/api/v1/health", "/api/v1/todos", "/api/v1/nope", ...html, "/api/v1/openapi.json"]) {
      const res = await fetch(`${url}${path}`);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("content-security-policy")).toMatch(/default-src '(none|self)'/);
    }
    const json = await fetch(`${url}/api/v1/todos`);
    expect(json.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
  });
});

describe("OpenAPI", () => {
  let url: string;
  beforeAll(async () => {
    url = await g.start();
  });

  it("serves an OpenAPI 3.1 document of every routed path, whose schemas compile", async () => {
    const res = await fetch(`${url}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toBe("3.1.0");
    const { routeTable } = await import("../src/app.ts");
    for (const rule of routeTable) {
      const path = rule.pattern.replace(/:(\w+)/g, "{$1}");
      expect(doc.paths[path]?.[rule.method.toLowerCase()]).toBeDefined();
    }
    expect(doc.paths["/api/v1/todos/ical/{taskId}/result"]?.get?.responses["410"]).toBeDefined();
    const events = doc.paths["/api/v1/todos/ical/{taskId}/events"]?.get?.responses as
      | Record<string, { content?: Record<string, unknown> }>
      | undefined;
    expect(Object.keys(events?.["200"]?.content ?? {})).toEqual(["text/event-stream"]);
    expect(Object.keys(events?.["404"]?.content ?? {})).toEqual(["application/json"]);
    for (const name of Object.keys(doc.components.schemas)) expect(name).toMatch(/^[A-Za-z]+$/);
    // The document judges answers: an exact contract error passes, one with an extra field does not.
    const check = openApiChecker(doc);
    const missing = `${url}/api/v1/todos/404`;
    const body = await (await fetch(missing)).text();
    expect(check("GET", missing, 404, "application/json", body)).toBeUndefined();
    expect(
      check("GET", missing, 404, "application/json", JSON.stringify({ error: "Todo not found", code: "x" })),
    ).toMatch(/additional/);
    expect(check("GET", `${url}/api/v1/todos/1`, 418, "application/json", "{}")).toMatch(/does not list/);
    expect(check("GET", `${url}/api/v1/health`, 200, "application/json", '{"status":"ok"}')).toBeUndefined();
    expect(check("GET", `${url}/api/v1/health`, 200, "application/json", '{"status":"up"}')).toMatch(
      /status/,
    );
  });

  it("renders it at /docs/ from local files only", async () => {
    const page = await fetch(`${url}/docs/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    const html = await page.text();
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref.startsWith("/docs/")).toBe(true);
      const asset = await fetch(`${url}${ref}`);
      expect(asset.status).toBe(200);
    }
    expect(await (await fetch(`${url}/docs/init.js`)).text()).toContain("validatorUrl: null");
    expect((await fetch(`${url}/docs`, { redirect: "manual" })).headers.get("location")).toBe("/docs/");
    expect((await fetch(`${url}/docs/package.json`)).status).toBe(404);
    expect((await fetch(`${url}/docs/..%2Fpackage.json`)).status).toBe(404);
  });
});
