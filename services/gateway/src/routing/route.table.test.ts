import { describe, expect, it } from "@jest/globals";
import { createRouteMatcher, type RouteRule, routeTable } from "./route.table.ts";

describe("route table", () => {
  const matcher = createRouteMatcher();
  const upstreamOf = (method: string, path: string) => {
    const m = matcher.match(method, path);
    return m.kind === "route" ? m.rule.upstream : m.kind;
  };

  it.each([
    // The todo resource goes to the todo service.
    ["GET", "/api/v1/todos", "todo"],
    ["POST", "/api/v1/todos", "todo"],
    ["GET", "/api/v1/todos/7", "todo"],
    ["PUT", "/api/v1/todos/7", "todo"],
    ["DELETE", "/api/v1/todos/7", "todo"],
    // HEAD is taken as GET.
    ["HEAD", "/api/v1/todos/3", "todo"],
    // The calendar export, before the :id placeholder can take it.
    ["POST", "/api/v1/todos/ical", "calendarExport"],
    ["GET", "/api/v1/todos/ical/abc-123/status", "jobStatus"],
    ["GET", "/api/v1/todos/ical/abc-123/result", "jobStatus"],
    ["GET", "/api/v1/todos/ical/abc-123/events", "jobStatus"],
    // The subscribed feed goes to the calendar service, not to the todo service's /todos/:id.
    ["GET", "/api/v1/todos/calendar.ics", "calendar"],
    ["HEAD", "/api/v1/todos/calendar.ics", "calendar"],
    ["GET", "/api/v1/todos/calendar.icsx", "todo"],
    // Nothing of other paths, empty placeholders or extra segments.
    ["GET", "/api/v1/nope", "none"],
    ["GET", "/api/v1/todos/", "none"],
    ["GET", "/api/v1/todos/1/extra", "none"],
    ["GET", "/api/v1/todos/ical//status", "none"],
    ["GET", "/api/v2/todos", "none"],
  ])("routes %s %s to %s", (method, path, upstream) => {
    expect(upstreamOf(method, path)).toBe(upstream);
  });

  it("marks only the event streams as streams (their own pool, no buffering, an idle limit only)", () => {
    const streams = routeTable.filter((r) => r.stream === true).map((r) => `${r.method} ${r.pattern}`);
    expect(streams).toEqual(["GET /api/v1/todos/ical/:taskId/events", "GET /api/v1/explorer/stream"]);
  });

  it("sends the explorer's API to the explorer, credentials passed on, the stream streamed", () => {
    const rule = (method: string, path: string) => {
      const m = matcher.match(method, path);
      return m.kind === "route" ? m.rule : m.kind;
    };
    expect(rule("GET", "/api/v1/explorer/events")).toEqual({
      method: "GET",
      pattern: "/api/v1/explorer/events",
      upstream: "explorer",
      credentials: true,
    });
    expect(upstreamOf("GET", "/api/v1/explorer/correlations/abc")).toBe("explorer");
    expect(upstreamOf("GET", "/api/v1/explorer/queues")).toBe("explorer");
    expect(upstreamOf("GET", "/api/v1/explorer/dead-letters/calendar")).toBe("explorer");
    expect(upstreamOf("POST", "/api/v1/explorer/dead-letters/calendar/redrive")).toBe("explorer");
    expect(rule("GET", "/api/v1/explorer/stream")).toMatchObject({ stream: true, credentials: true });
    expect(matcher.match("GET", "/api/v1/explorer/dead-letters/calendar/redrive")).toEqual({
      kind: "method-not-allowed",
      allow: ["POST"],
    });
    expect(rule("GET", "/api/v1/todos")).not.toHaveProperty("credentials");
  });

  it("answers method-not-allowed with the methods the path has", () => {
    expect(matcher.match("PATCH", "/api/v1/todos/3")).toEqual({
      kind: "method-not-allowed",
      allow: ["GET", "PUT", "DELETE"],
    });
    expect(matcher.match("DELETE", "/api/v1/todos")).toEqual({
      kind: "method-not-allowed",
      allow: ["GET", "POST"],
    });
  });

  it("is data: a different table routes differently", () => {
    const table: RouteRule[] = [{ method: "POST", pattern: "/api/v1/todos/ical", upstream: "jobStatus" }];
    expect(createRouteMatcher(table).match("POST", "/api/v1/todos/ical")).toEqual({
      kind: "route",
      rule: table[0],
    });
  });
});
