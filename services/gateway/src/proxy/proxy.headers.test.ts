import { describe, expect, it } from "@jest/globals";
import { clientResponseHeaders, upstreamRequestHeaders } from "./proxy.headers.ts";

describe("headers sent upstream", () => {
  const forwarding = {
    correlationId: "abc-123",
    host: "todo.example:6400",
    protocol: "https",
    forwardedFor: "10.0.0.1",
  };

  it("keeps the allowlisted client headers and adds what the gateway knows", () => {
    const out = upstreamRequestHeaders(
      {
        "content-type": "application/json",
        accept: "application/json",
        "last-event-id": "STARTED",
        prefer: "wait=5",
        host: "evil.example",
        cookie: "session=1",
        connection: "keep-alive, x-secret",
        "transfer-encoding": "chunked",
        "x-correlation-id": "from-client",
        "x-forwarded-host": "spoofed.example",
        "content-length": "999",
      },
      { ...forwarding, contentLength: 12 },
    );
    expect(out).toEqual({
      "content-type": "application/json",
      accept: "application/json",
      "last-event-id": "STARTED",
      prefer: "wait=5",
      "x-correlation-id": "abc-123",
      "x-forwarded-host": "todo.example:6400",
      "x-forwarded-proto": "https",
      "x-forwarded-for": "10.0.0.1",
      "content-length": "12",
    });
  });

  it("sends no content-length when there is no body", () => {
    expect(upstreamRequestHeaders({}, forwarding)).not.toHaveProperty("content-length");
  });
});

describe("headers sent back to the client", () => {
  it("passes content headers and drops hop-by-hop and internal ones", () => {
    expect(
      clientResponseHeaders({
        "content-type": "text/calendar; charset=utf-8",
        "content-disposition": 'attachment; filename="todos.ics"',
        "content-length": "120",
        location: "/api/v1/todos/4",
        connection: "keep-alive",
        "keep-alive": "timeout=5",
        "transfer-encoding": "chunked",
        "x-correlation-id": "upstream-made-this-up",
        "set-cookie": ["a=1"],
        vary: ["accept", "origin"],
        "preference-applied": "wait=5",
      }),
    ).toEqual({
      "content-type": "text/calendar; charset=utf-8",
      "content-disposition": 'attachment; filename="todos.ics"',
      "content-length": "120",
      location: "/api/v1/todos/4",
      vary: "accept, origin",
      "preference-applied": "wait=5",
    });
  });
});
