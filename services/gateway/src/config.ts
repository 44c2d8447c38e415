import { env, type ListenConfig, listenEnv, listenSettings, parseEnv } from "@taskoverflow/platform";
import { z } from "zod";

/**
 * The gateway's environment. Defaults run the embedded mode: every service on 127.0.0.1 beside it (HOST too: see
 * listenEnv).
 */
export const configSchema = z.object({
  ...listenEnv(6400),
  TODO_SERVICE_URL: env.url("http://127.0.0.1:6401"),
  JOB_STATUS_SERVICE_URL: env.url("http://127.0.0.1:6403"),
  /** The calendar service: serves the subscribed feed `GET /api/v1/todos/calendar.ics`. */
  CALENDAR_SERVICE_URL: env.url("http://127.0.0.1:6402"),
  /** The event explorer (`/api/v1/explorer/*`). */
  EXPLORER_SERVICE_URL: env.url("http://127.0.0.1:6404"),
  /** Who takes `POST /api/v1/todos/ical`; the todo service until the calendar side is wired. */
  CALENDAR_EXPORT_SERVICE_URL: env.optionalUrl(),
  BODY_LIMIT_BYTES: env.positiveInt(64 * 1024),
  UPSTREAM_TIMEOUT_MS: env.positiveInt(10_000),
  READY_TIMEOUT_MS: env.positiveInt(1_000),
  /** Longest silence inside an event stream (job-status sends a heartbeat every 15 s) before it is cut. */
  STREAM_IDLE_TIMEOUT_MS: env.positiveInt(60_000),
  /** Consecutive connection failures to one backend that open its circuit (then 503 at once). */
  CIRCUIT_FAILURE_THRESHOLD: env.positiveInt(5),
  CIRCUIT_OPEN_MS: env.positiveInt(5_000),
  /** Trust X-Forwarded-Host/-Proto/-For from a load balancer in front of the gateway. */
  TRUST_PROXY: env.bool(false),
  /** Per-client limits (0 = off, the default for npm start and the benchmarks; the deployment turns them on). */
  RATE_LIMIT_WRITES_PER_MINUTE: z.coerce.number().int().min(0).default(0),
  RATE_LIMIT_EXPORTS_PER_MINUTE: z.coerce.number().int().min(0).default(0),
  /** Bytes of subscribed-feed answers the gateway keeps and answers itself while provably current (0 = off). */
  FEED_CACHE_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .default(32 * 1024 * 1024),
});

export type GatewayEnv = z.infer<typeof configSchema>;

/** The names the route table uses for the services behind the gateway. */
export type UpstreamName = "todo" | "calendarExport" | "jobStatus" | "calendar" | "explorer";

export interface GatewayConfig extends ListenConfig {
  upstreams: Record<UpstreamName, string>;
  bodyLimitBytes: number;
  upstreamTimeoutMs: number;
  /** Event streams: longest pause between two chunks. */
  streamIdleTimeoutMs: number;
  readyTimeoutMs: number;
  circuit: { failureThreshold: number; openMs: number };
  trustProxy: boolean;
  /** Per client (ctx.ip); 0 turns a limit off. */
  rateLimits: { writesPerMinute: number; exportsPerMinute: number };
  /** The feed cache (src/feed/): most bytes kept; 0 turns it off (every feed request is proxied). */
  feedCacheBytes: number;
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const e = parseEnv(configSchema, source);
  return {
    ...listenSettings(e),
    upstreams: {
      todo: e.TODO_SERVICE_URL,
      calendarExport: e.CALENDAR_EXPORT_SERVICE_URL ?? e.TODO_SERVICE_URL,
      jobStatus: e.JOB_STATUS_SERVICE_URL,
      calendar: e.CALENDAR_SERVICE_URL,
      explorer: e.EXPLORER_SERVICE_URL,
    },
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    upstreamTimeoutMs: e.UPSTREAM_TIMEOUT_MS,
    streamIdleTimeoutMs: e.STREAM_IDLE_TIMEOUT_MS,
    readyTimeoutMs: e.READY_TIMEOUT_MS,
    circuit: { failureThreshold: e.CIRCUIT_FAILURE_THRESHOLD, openMs: e.CIRCUIT_OPEN_MS },
    trustProxy: e.TRUST_PROXY,
    rateLimits: {
      writesPerMinute: e.RATE_LIMIT_WRITES_PER_MINUTE,
      exportsPerMinute: e.RATE_LIMIT_EXPORTS_PER_MINUTE,
    },
    feedCacheBytes: e.FEED_CACHE_BYTES,
  };
}
