import type { UpstreamName } from "../config.ts";

/** One row of the routing table: a method and a path pattern, answered by one backend. */
export interface RouteRule {
  method: string;
  /** Literal segments and `:name` placeholders, e.g. `/api/v1/todos/:id`. */
  pattern: string;
  upstream: UpstreamName;
  /**
   * A long-lived answer (Server-Sent Events): sent on the upstream's stream pool, never buffered, with no
   * total time limit, only `STREAM_IDLE_TIMEOUT_MS` between two chunks (the backend sends heartbeats).
   */
  stream?: boolean;
  /** The backend checks the caller itself: `Authorization` (and `Last-Event-ID`) are passed on to it. */
  credentials?: true;
}

/**
 * Everything the gateway forwards. The original path and query go upstream unchanged. Rules are tried in
 * order, so specific paths (`/todos/ical`) come before placeholders (`/todos/:id`).
 * To move the calendar export to its own service, point `calendarExport` at it (CALENDAR_EXPORT_SERVICE_URL).
 */
export const routeTable: readonly RouteRule[] = [
  { method: "POST", pattern: "/api/v1/todos/ical", upstream: "calendarExport" },
  { method: "GET", pattern: "/api/v1/todos/ical/:taskId/status", upstream: "jobStatus" },
  { method: "GET", pattern: "/api/v1/todos/ical/:taskId/result", upstream: "jobStatus" },
  // The subscribed feed: before `/todos/:id`, which would take `calendar.ics` for an id.
  { method: "GET", pattern: "/api/v1/todos/calendar.ics", upstream: "calendar" },
  { method: "GET", pattern: "/api/v1/todos/ical/:taskId/events", upstream: "jobStatus", stream: true },
  { method: "GET", pattern: "/api/v1/todos", upstream: "todo" },
  { method: "POST", pattern: "/api/v1/todos", upstream: "todo" },
  { method: "GET", pattern: "/api/v1/todos/:id", upstream: "todo" },
  { method: "PUT", pattern: "/api/v1/todos/:id", upstream: "todo" },
  { method: "DELETE", pattern: "/api/v1/todos/:id", upstream: "todo" },
  // The event explorer checks its own bearer token (EXPLORER_TOKEN), so the credentials go through.
  { method: "GET", pattern: "/api/v1/explorer/events", upstream: "explorer", credentials: true },
  {
    method: "GET",
    pattern: "/api/v1/explorer/stream",
    upstream: "explorer",
    credentials: true,
    stream: true,
  },
  { method: "GET", pattern: "/api/v1/explorer/correlations/:id", upstream: "explorer", credentials: true },
  { method: "GET", pattern: "/api/v1/explorer/queues", upstream: "explorer", credentials: true },
  { method: "GET", pattern: "/api/v1/explorer/dead-letters/:queue", upstream: "explorer", credentials: true },
  {
    method: "POST",
    pattern: "/api/v1/explorer/dead-letters/:queue/redrive",
    upstream: "explorer",
    credentials: true,
  },
];

export type RouteMatch =
  | { kind: "route"; rule: RouteRule }
  | { kind: "method-not-allowed"; allow: string[] }
  | { kind: "none" };

interface CompiledRule {
  rule: RouteRule;
  segments: Array<string | null>;
}

export interface RouteMatcher {
  match(method: string, path: string): RouteMatch;
}

/** Compiles the table once; matching splits the path and compares segments (no regex per request). */
export function createRouteMatcher(table: readonly RouteRule[] = routeTable): RouteMatcher {
  const compiled: CompiledRule[] = table.map((rule) => ({
    rule,
    segments: rule.pattern
      .split("/")
      .slice(1)
      .map((s) => (s.startsWith(":") ? null : s)),
  }));
  return {
    match(method, path) {
      // HEAD is a GET without a body, as every HTTP server treats it.
      const wanted = method === "HEAD" ? "GET" : method;
      const parts = path.split("/").slice(1);
      const allow: string[] = [];
      for (const c of compiled) {
        if (!segmentsMatch(c.segments, parts)) continue;
        if (c.rule.method === wanted) return { kind: "route", rule: c.rule };
        if (!allow.includes(c.rule.method)) allow.push(c.rule.method);
      }
      return allow.length > 0 ? { kind: "method-not-allowed", allow } : { kind: "none" };
    },
  };
}

function segmentsMatch(pattern: Array<string | null>, parts: string[]): boolean {
  if (pattern.length !== parts.length) return false;
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i];
    const actual = parts[i] as string;
    if (expected === null ? actual === "" : expected !== actual) return false;
  }
  return true;
}
