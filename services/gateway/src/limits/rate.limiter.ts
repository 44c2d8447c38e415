import { AppError, type Logger, type RequestState } from "@taskoverflow/platform";
import type Koa from "koa";

/** What a client may do per minute; 0 turns a limit off. */
export interface RateLimits {
  /** Creates, updates and deletes of todos (POST/PUT/DELETE under /api/v1/todos), per client. */
  writesPerMinute: number;
  /** Calendar exports (POST /api/v1/todos/ical), per client. */
  exportsPerMinute: number;
  /** Clients remembered at most (the oldest idle ones are forgotten first). */
  maxClients?: number;
}

export type LimitKind = "write" | "export";

/** Which limit a request counts against, if any: reads are never limited. */
export function limitKind(method: string, path: string): LimitKind | undefined {
  if (method === "GET" || method === "HEAD" || method === "OPTIONS") return undefined;
  if (path === "/api/v1/todos/ical") return "export";
  if (path === "/api/v1/todos" || path.startsWith("/api/v1/todos/")) return "write";
  return undefined;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets per client and kind: `perMinute` requests in a burst, refilled evenly over a minute. Answers
 * how many milliseconds until the next request is allowed (0: allowed now, and counted).
 */
export function createTokenBuckets(perMinute: number, maxClients: number, now: () => number) {
  const buckets = new Map<string, Bucket>();
  const refillPerMs = perMinute / 60_000;
  return {
    take(client: string): number {
      const t = now();
      const existing = buckets.get(client);
      let bucket: Bucket;
      if (existing === undefined) {
        bucket = { tokens: perMinute, at: t };
      } else {
        bucket = existing;
        bucket.tokens = Math.min(perMinute, bucket.tokens + (t - bucket.at) * refillPerMs);
        bucket.at = t;
        buckets.delete(client);
      }
      // Re-inserted last: the Map's order is least recently seen first.
      buckets.set(client, bucket);
      if (buckets.size > maxClients) {
        const oldest = buckets.keys().next().value;
        if (oldest !== undefined) buckets.delete(oldest);
      }
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.ceil((1 - bucket.tokens) / refillPerMs);
    },
    size: () => buckets.size,
  };
}

/** A refused request: which limit, and in how many seconds to try again (Retry-After). */
export interface RateLimited {
  kind: LimitKind;
  retryAfter: number;
}

export interface RateLimiter {
  /** Counts the request against its limit; undefined when it may go on. */
  check(method: string, path: string, client: string): RateLimited | undefined;
}

/** The limits as one check (the Koa middleware and the lean proxy path share it); undefined when both are 0. */
export function createRateLimiter(limits: RateLimits, now: () => number = Date.now): RateLimiter | undefined {
  const maxClients = limits.maxClients ?? 100_000;
  const perKind: Partial<Record<LimitKind, ReturnType<typeof createTokenBuckets>>> = {};
  if (limits.writesPerMinute > 0) perKind.write = createTokenBuckets(limits.writesPerMinute, maxClients, now);
  if (limits.exportsPerMinute > 0)
    perKind.export = createTokenBuckets(limits.exportsPerMinute, maxClients, now);
  if (perKind.write === undefined && perKind.export === undefined) return undefined;
  return {
    check(method, path, client) {
      const kind = limitKind(method, path);
      const buckets = kind === undefined ? undefined : perKind[kind];
      if (kind === undefined || buckets === undefined) return undefined;
      const waitMs = buckets.take(client || "unknown");
      return waitMs > 0 ? { kind, retryAfter: Math.max(1, Math.ceil(waitMs / 1000)) } : undefined;
    },
  };
}

/** The answer to a refused request: Retry-After is set by the caller, the warning logged here. */
export function rateLimitedError(limited: RateLimited, client: string, log: Logger): AppError {
  log.warn({ client, kind: limited.kind, retryAfter: limited.retryAfter }, "rate limited");
  return new AppError(429, "rate_limited", "Too many requests");
}

/**
 * Per-client limits on writes and exports: over the limit, a JSON 429 with Retry-After (seconds). The client is
 * `ctx.ip`: the connecting peer, or with TRUST_PROXY the address the load balancer appended to X-Forwarded-For
 * (the app keeps only that last entry, so a client cannot pick its own key). Off when both limits are 0.
 */
export function rateLimitMiddleware(
  limiter: RateLimiter | undefined,
): Koa.Middleware<RequestState> | undefined {
  if (limiter === undefined) return undefined;
  return async (ctx, next) => {
    const limited = limiter.check(ctx.method, ctx.path, ctx.ip);
    if (limited !== undefined) {
      ctx.set("Retry-After", String(limited.retryAfter));
      throw rateLimitedError(limited, ctx.ip, ctx.state.log);
    }
    await next();
  };
}
