import { AppError, type RequestState } from "@taskoverflow/platform";
import type Koa from "koa";
import type { UpstreamName } from "../config.ts";
import type { RouteMatcher } from "../routing/route.table.ts";
import {
  answerHeaders,
  askUpstream,
  circuitOpenError,
  EMPTY_STATUSES,
  openCircuitRetryAfter,
  readForwardedBody,
} from "./proxy.core.ts";
import type { Upstream } from "./upstream.pool.ts";

export interface ProxyOptions {
  matcher: RouteMatcher;
  upstreams: Record<UpstreamName, Upstream>;
  bodyLimitBytes: number;
  now: () => number;
  /** Answers up to this size are buffered whole, bigger ones streamed. */
  responseBufferLimitBytes?: number;
}

/**
 * Forwards requests that match the route table to their backend, path and query unchanged. Bodies pass
 * through as bytes, never parsed: the gateway does not know or care what a todo looks like.
 * Paths the table does not know fall through (to the static files, then the JSON 404).
 * Most /api requests take the lean path (lean.proxy.ts) before Koa; this one answers the rest (HEAD, the feed
 * when its cache passes a request on, URLs only Koa's parser reads) with the same steps (proxy.core.ts).
 */
export function proxyMiddleware({
  matcher,
  upstreams,
  bodyLimitBytes,
  now,
  responseBufferLimitBytes = 1024 * 1024,
}: ProxyOptions): Koa.Middleware<RequestState> {
  return async (ctx, next) => {
    if (!ctx.path.startsWith("/api/")) return next();
    const match = matcher.match(ctx.method, ctx.path);
    if (match.kind === "none") return next();
    if (match.kind === "method-not-allowed") {
      ctx.set("Allow", match.allow.join(", "));
      throw new AppError(405, "method_not_allowed", "Method not allowed");
    }
    const upstream = upstreams[match.rule.upstream];
    const retryAfter = openCircuitRetryAfter(upstream, now);
    if (retryAfter !== undefined) {
      ctx.set("Retry-After", String(retryAfter));
      throw circuitOpenError();
    }
    const body = await readForwardedBody(ctx.req, bodyLimitBytes, () => ctx.set("Connection", "close"));
    const answer = await askUpstream({
      req: ctx.req,
      res: ctx.res,
      rule: match.rule,
      upstream,
      target: ctx.path + ctx.search,
      body,
      correlationId: ctx.state.correlationId,
      origin: {
        host: ctx.host,
        protocol: ctx.protocol,
        peer: ctx.request.socket.remoteAddress,
        trustProxy: ctx.app.proxy,
      },
      log: () => ctx.state.log,
      now,
      bufferLimit: responseBufferLimitBytes,
    });

    ctx.status = answer.statusCode;
    const { headers, length } = answerHeaders(answer);
    ctx.set(headers);
    if (ctx.method === "HEAD" || EMPTY_STATUSES.has(ctx.status)) {
      if (!Buffer.isBuffer(answer.body)) answer.body.destroy();
      if (length !== undefined && ctx.method === "HEAD") ctx.set("Content-Length", length);
      return;
    }
    ctx.body = answer.body;
    if (length !== undefined) ctx.length = Number(length);
  };
}
