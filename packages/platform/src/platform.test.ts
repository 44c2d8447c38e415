import { maxHeaderSize } from "node:http";
import { describe, expect, it } from "@jest/globals";
import { z } from "zod";
import { matchesAny } from "./conditional.ts";
import { env, parseEnv } from "./config.ts";
import { ConfigError, NotFoundError, ValidationError } from "./errors.ts";
import {
  clientErrorResponse,
  correlationIdFrom,
  DEFAULT_PUBLIC_ORIGIN,
  publicOrigin,
  toErrorResponse,
} from "./http.ts";
import { queryParams } from "./query.ts";

describe("parseEnv", () => {
  const schema = z.object({ PORT: env.port(6400), DATABASE_URL: env.optionalUrl(), DEBUG: env.bool(false) });

  it("applies the defaults that make the embedded mode work", () => {
    expect(parseEnv(schema, {})).toEqual({ PORT: 6400, DATABASE_URL: undefined, DEBUG: false });
  });

  it("treats an empty optional URL as unset", () => {
    expect(parseEnv(schema, { DATABASE_URL: "" }).DATABASE_URL).toBeUndefined();
  });

  it("names the variable that is wrong", () => {
    expect(() => parseEnv(schema, { PORT: "seventy" })).toThrow(ConfigError);
    expect(() => parseEnv(schema, { PORT: "seventy" })).toThrow(/PORT/);
    expect(() => parseEnv(schema, { DATABASE_URL: "not a url" })).toThrow(/DATABASE_URL/);
  });
});

describe("correlationIdFrom", () => {
  it("keeps a well-formed id and replaces a malformed or missing one", () => {
    expect(correlationIdFrom("abc-123")).toBe("abc-123");
    expect(correlationIdFrom(["first", "second"])).toBe("first");
    const fresh = correlationIdFrom("bad id with spaces\n");
    expect(fresh).toMatch(/^[0-9a-f-]{36}$/);
    expect(correlationIdFrom(undefined)).not.toBe(correlationIdFrom(undefined));
    expect(correlationIdFrom("x".repeat(129))).toHaveLength(36);
  });
});

describe("toErrorResponse", () => {
  it("maps our errors to their status, message and code", () => {
    expect(toErrorResponse(new NotFoundError("Todo not found", "todo_not_found"))).toEqual({
      status: 404,
      body: { error: "Todo not found" },
      code: "todo_not_found",
    });
    expect(toErrorResponse(new ValidationError("extra fields", "extra_fields")).status).toBe(400);
  });

  it("maps body-parser errors to 400/413 without leaking their text", () => {
    expect(toErrorResponse({ status: 413, expose: true, message: "request entity too large" })).toEqual({
      status: 413,
      body: { error: "Request body too large" },
      code: "payload_too_large",
    });
    expect(
      toErrorResponse({ status: 400, type: "entity.parse.failed", message: "Unexpected token" }).code,
    ).toBe("invalid_json");
  });

  it("hides the details of anything unexpected behind a 500", () => {
    expect(toErrorResponse(new Error("password=hunter2 in connection string"))).toEqual({
      status: 500,
      body: { error: "Internal server error" },
      code: "internal_error",
    });
  });
});

describe("publicOrigin", () => {
  const ctx = (headers: Record<string, string>, protocol = "http") => ({
    get: (name: string) => headers[name] ?? "",
    protocol,
  });

  it("is PUBLIC_URL's origin whatever the request says", () => {
    const publicUrl = "https://tasks.example.org/ignored/path";
    expect(publicOrigin(ctx({ host: "evil.com", "x-forwarded-host": "evil.com" }), publicUrl)).toBe(
      "https://tasks.example.org",
    );
    expect(publicOrigin(ctx({}), "http://localhost:6400")).toBe("http://localhost:6400");
  });

  it("without PUBLIC_URL, uses the forwarded host and protocol when they name this machine", () => {
    expect(
      publicOrigin(
        ctx({ host: "127.0.0.1:6401", "x-forwarded-host": "LOCALHOST:7000", "x-forwarded-proto": "https" }),
      ),
    ).toBe("https://localhost:7000");
    expect(publicOrigin(ctx({ host: "127.0.0.1:6401", "x-forwarded-host": "[::1]:6400" }))).toBe(
      "http://[::1]:6400",
    );
    expect(publicOrigin(ctx({ host: "app.localhost" }))).toBe("http://app.localhost");
  });

  it("without PUBLIC_URL, never hands out a host a client chose, nor our internal address, nor none", () => {
    for (const headers of [
      { host: "todo:6401", "x-forwarded-host": "tasks.example.org" },
      { host: "evil.com" },
      { host: "10.0.3.7:6401" },
      { host: "localhost.evil.com" },
      { host: "127.0.0.1.evil.com" },
      {},
    ]) {
      expect(publicOrigin(ctx(headers))).toBe(DEFAULT_PUBLIC_ORIGIN);
    }
  });

  it("falls back to the Host header, and ignores malformed forwarded values", () => {
    expect(publicOrigin(ctx({ host: "localhost:6400" }))).toBe("http://localhost:6400");
    expect(
      publicOrigin(
        ctx({ host: "localhost:6400", "x-forwarded-host": "evil.com/path", "x-forwarded-proto": "gopher" }),
      ),
    ).toBe("http://localhost:6400");
  });
});

describe("clientErrorResponse", () => {
  const parserError = (code: string, rawPacket?: string) =>
    Object.assign(new Error(code), {
      code,
      ...(rawPacket !== undefined && { rawPacket: Buffer.from(rawPacket) }),
    });

  it.each([
    ["HPE_HEADER_OVERFLOW", "GET / HTTP/1.1\r\nX-A: aaaa", 431, "Request header fields too large"],
    ["HPE_HEADER_OVERFLOW", `GET /${"a".repeat(maxHeaderSize)}`, 414, "URI too long"],
    ["HPE_HEADER_OVERFLOW", `GET /${"a".repeat(maxHeaderSize)} HTTP/1.1\r\nHost: x\r\n`, 414, "URI too long"],
    [
      "HPE_HEADER_OVERFLOW",
      `GET /short HTTP/1.1\r\nX: ${"a".repeat(maxHeaderSize)}`,
      431,
      "Request header fields too large",
    ],
    ["ERR_HTTP_REQUEST_TIMEOUT", undefined, 408, "Request timeout"],
    ["HPE_UNEXPECTED_CONTENT_LENGTH", undefined, 400, "Bad request"],
    ["HPE_INVALID_CHUNK_SIZE", undefined, 400, "Bad request"],
  ] as const)("%s (%j) is a JSON %i", (code, raw, status, error) => {
    const answer = clientErrorResponse(parserError(code, raw));
    expect(answer.status).toBe(status);
    expect(answer.body).toEqual({ error });
  });
});

describe("queryParams", () => {
  const param = queryParams({ n: z.string().regex(/^\d+$/, { error: "n must be a number" }) });

  it("reads an absent parameter as undefined and a valid one as given", () => {
    expect(param({}, "n")).toBeUndefined();
    expect(param({ n: "42", other: "x" }, "n")).toBe("42");
  });

  it("refuses a bad or repeated parameter with a 400 invalid_query and the schema's message", () => {
    for (const query of [{ n: "x" }, { n: ["1", "2"] }]) {
      expect(() => param(query, "n")).toThrow(
        expect.objectContaining({ status: 400, code: "invalid_query", message: "n must be a number" }),
      );
    }
  });
});

describe("If-None-Match", () => {
  it("matches strong, weak, listed and * tags", () => {
    expect(matchesAny('"a"', ['"a"'])).toBe(true);
    expect(matchesAny('W/"a"', ['"a"'])).toBe(true);
    expect(matchesAny('"x", "a-gzip"', ['"a"', '"a-gzip"'])).toBe(true);
    expect(matchesAny("*", ['"a"'])).toBe(true);
    expect(matchesAny('"b"', ['"a"'])).toBe(false);
  });
});
