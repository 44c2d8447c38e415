import { describe, expect, it } from "@jest/globals";
import { createRouteMatcher, type RouteRule, routeTable } from "./route.table.ts";

describe("route table", () => {
  const matcher = createRouteMatcher();
  const upstreamOf = (method: string, path: string) => {
    const m = matcher.match(method, path);
    return m.kind === "route" ? m.rule.upstream : m.kind;
  };

  it("sends the todo resource to the todo service", () => {
    expect(upstreamOf("GET", "/api/v1/todos")).toBe("todo");
    expect(upstreamOf("POST", "/api/v1/todos")).toBe("todo");
    expect(upstreamOf("GET", "/api/v1/todos/7")).toBe("todo");
    expect(upstreamOf("PUT", "/api/v1/todos/7")).toBe("todo");
    expect(upstreamOf("DELETE", "/api/v1/todos/7")).toBe("todo");
  });

  it("sends the calendar export before the :id placeholder can take it", () => {
    expect(upstreamOf("POST", "/api/v1/todos/ical")).toBe("calendarExport");
    expect(upstreamOf("GET", "/api/v1/todos/ical/abc-123/status")).toBe("jobStatus");
    expect(upstreamOf("GET", "/api/v1/todos/ical/abc-123/result")).toBe("jobStatus");
    expect(upstreamOf("GET", "/api/v1/todos/ical/abc-123/events")).toBe("jobStatus");
  });

  it("marks only the event stream as a stream (its own pool, no buffering, an idle limit only)", () => {
    const streams = routeTable.filter((r) => r.stream === true).map((r) => `${r.method} ${r.pattern}`);
    expect(streams).toEqual(["GET /api/v1/todos/ical/:taskId/events"]);
  });

  it("sends the subscribed feed to the calendar service, not to the todo service's /todos/:id", () => {
    expect(upstreamOf("GET", "/api/v1/todos/calendar.ics")).toBe("calendar");
    expect(upstreamOf("HEAD", "/api/v1/todos/calendar.ics")).toBe("calendar");
    expect(upstreamOf("GET", "/api/v1/todos/calendar.icsx")).toBe("todo");
  });

  it("treats HEAD as GET", () => {
    expect(upstreamOf("HEAD", "/api/v1/todos/3")).toBe("todo");
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

  it("knows nothing of other paths, empty placeholders or extra segments", () => {
    expect(upstreamOf("GET", "/api/v1/nope")).toBe("none");
    expect(upstreamOf("GET", "/api/v1/todos/")).toBe("none");
    expect(upstreamOf("GET", "/api/v1/todos/1/extra")).toBe("none");
    expect(upstreamOf("GET", "/api/v1/todos/ical//status")).toBe("none");
    expect(upstreamOf("GET", "/api/v2/todos")).toBe("none");
  });

  it("is data: a different table routes differently", () => {
    const table: RouteRule[] = [{ method: "POST", pattern: "/api/v1/todos/ical", upstream: "jobStatus" }];
    expect(createRouteMatcher(table).match("POST", "/api/v1/todos/ical")).toEqual({
      kind: "route",
      rule: table[0],
    });
  });
});
