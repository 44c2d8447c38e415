import { isUtf8 } from "node:buffer";
import type { IncomingHttpHeaders } from "node:http";
import { AppError, type RequestState, UpstreamError } from "@taskoverflow/platform";
import type Koa from "koa";
import type { UpstreamName } from "../config.ts";
import type { RouteMatcher } from "../routing/route.table.ts";
import { clientResponseHeaders, upstreamRequestHeaders } from "./proxy.headers.ts";
import { PayloadTooLargeError, readRequestBody } from "./request.body.ts";
import { classifyUpstreamError } from "./upstream.errors.ts";
import type { Upstream } from "./upstream.pool.ts";
import { ClientClosedError, sendUpstream, type UpstreamAnswer } from "./upstream.request.ts";

export interface ProxyOptions {
  matcher: RouteMatcher;
  upstreams: Record<UpstreamName, Upstream>;
  bodyLimitBytes: number;
  now: () => number;
  /** Answers up to this size are buffered whole, bigger ones streamed. */
  responseBufferLimitBytes?: number;
}

const methodsWithBody = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Forwards requests that match the route table to their backend, path and query unchanged. Bodies pass
 * through as bytes, never parsed: the gateway does not know or care what a todo looks like.
 * Paths the table does not know fall through (to the static files, then the JSON 404).
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
    if (!upstream.circuit.allows(now())) {
      ctx.set("Retry-After", String(Math.ceil(upstream.circuit.retryAfterMs(now()) / 1000)));
      throw new UpstreamError(503, "Service temporarily unavailable", "upstream_circuit_open");
    }

    let body: Buffer | undefined;
    if (methodsWithBody.has(ctx.method)) {
      try {
        body = await readRequestBody(ctx.req, bodyLimitBytes);
      } catch (err) {
        // The unread rest of the body must not be parsed as the next request on this connection.
        if (err instanceof PayloadTooLargeError) ctx.set("Connection", "close");
        throw err;
      }
      // Refused here, before a backend's JSON parser would turn bad bytes into U+FFFD and store them.
      if (body !== undefined && !isUtf8(body)) {
        throw new AppError(400, "invalid_utf8", "Request body is not valid UTF-8");
      }
    }

    const headers = upstreamRequestHeaders(ctx.req.headers, {
      correlationId: ctx.state.correlationId,
      host: ctx.host,
      protocol: ctx.protocol,
      forwardedFor: forwardedFor(ctx.req.headers, ctx.request.socket.remoteAddress, ctx.app.proxy),
      credentials: match.rule.credentials === true,
      ...(body !== undefined ? { contentLength: body.length } : {}),
    });
    const streaming = match.rule.stream === true;
    if (streaming) {
      // An event stream may be quiet for long stretches: no socket timeout, and each event sent at once.
      ctx.req.socket.setTimeout(0);
      ctx.req.socket.setNoDelay(true);
    }
    let answer: UpstreamAnswer;
    try {
      answer = await sendUpstream(
        streaming ? upstream.streamPool : upstream.pool,
        // With `client`, a client that hangs up stops the wait for the backend and frees the socket.
        { method: ctx.method, path: ctx.path + ctx.search, headers, body, client: ctx.res },
        // An event stream has no Content-Length, so it is passed on chunk by chunk; its JSON errors are buffered.
        responseBufferLimitBytes,
      );
    } catch (err) {
      if (err instanceof ClientClosedError)
        throw new AppError(400, "client_closed", "Client closed the request");
      upstream.circuit.recordFailure(now());
      const failure = classifyUpstreamError(err);
      ctx.state.log.warn({ err, upstream: upstream.name, failure }, "backend gave no answer");
      if (failure === "timeout") {
        throw new UpstreamError(504, "Backend did not answer in time", "upstream_timeout", { cause: err });
      }
      throw new UpstreamError(502, "Backend unavailable", "upstream_unavailable", { cause: err });
    }
    upstream.circuit.recordSuccess();

    ctx.status = answer.statusCode;
    const forwarded = clientResponseHeaders(answer.headers);
    const length = forwarded["content-length"];
    delete forwarded["content-length"];
    ctx.set(forwarded);
    if (isEventStream(forwarded["content-type"])) {
      // Never buffered or compressed on the way (by us, nginx or anything else that reads this header).
      ctx.set("X-Accel-Buffering", "no");
      ctx.set("Cache-Control", "no-store");
    }
    if (ctx.method === "HEAD" || ctx.status === 204 || ctx.status === 304) {
      if (!Buffer.isBuffer(answer.body)) answer.body.destroy();
      if (length !== undefined && ctx.method === "HEAD") ctx.set("Content-Length", length);
      return;
    }
    ctx.body = answer.body;
    if (length !== undefined) ctx.length = Number(length);
  };
}

const isEventStream = (type: string | undefined) =>
  type !== undefined && type.split(";")[0]?.trim().toLowerCase() === "text/event-stream";

/** X-Forwarded-For as the backend should see it: the chain we trust plus the peer that connected to us. */
function forwardedFor(headers: IncomingHttpHeaders, peer: string | undefined, trustProxy: boolean): string {
  const prior = trustProxy ? headers["x-forwarded-for"] : undefined;
  const chain = typeof prior === "string" && prior !== "" ? [prior] : [];
  if (peer) chain.push(peer);
  return chain.join(", ");
}
