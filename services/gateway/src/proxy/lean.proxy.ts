import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream";
import {
  AppError,
  CORRELATION_HEADER,
  correlationIdFrom,
  ERROR_CODE_HEADER,
  type Logger,
  lateErrorLogger,
  logErrorAnswer,
  logRequest,
  MAX_URL_LENGTH,
  toErrorResponse,
} from "@taskoverflow/platform";
import type { UpstreamName } from "../config.ts";
import { type RateLimiter, rateLimitedError } from "../limits/rate.limiter.ts";
import type { RouteMatcher, RouteRule } from "../routing/route.table.ts";
import { API_CONTENT_SECURITY_POLICY } from "../web/security.headers.ts";
import { requestHost, requestIp, requestProtocol } from "./client.origin.ts";
import {
  answerHeaders,
  askUpstream,
  circuitOpenError,
  EMPTY_STATUSES,
  openCircuitRetryAfter,
  readForwardedBody,
} from "./proxy.core.ts";
import type { Upstream } from "./upstream.pool.ts";

export interface LeanProxyOptions {
  matcher: RouteMatcher;
  upstreams: Record<UpstreamName, Upstream>;
  limiter: RateLimiter | undefined;
  bodyLimitBytes: number;
  trustProxy: boolean;
  now: () => number;
  logger: Logger;
  /** Paths left to Koa although the table knows them (the cached feed). */
  koaPaths: ReadonlySet<string>;
  responseBufferLimitBytes?: number;
}

/** Characters for which Koa's URL parser (parseurl) takes its slow path: such a URL is left to Koa. */
const UNUSUAL_URL = /[\t\n\f\r #\u00a0\ufeff]/;

/**
 * The proxied /api routes served on node:http directly, before Koa: on this hot path Koa's context, delegates and
 * middleware chain cost more CPU than the forwarding itself. It answers as the Koa chain would (the same headers,
 * error JSON, correlation id, request log line, rate limits, circuit, body checks: gateway.lean.int.test.ts sends
 * the same requests both ways). Returns false, having done nothing, for a request it leaves to Koa: HEAD, a path
 * the table does not know, `koaPaths`, a URL that is too long or that only Koa's parser reads.
 */
export function createLeanProxy(
  options: LeanProxyOptions,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { matcher, koaPaths } = options;
  return (req, res) => {
    const url = req.url ?? "";
    const method = req.method ?? "";
    if (
      method === "HEAD" ||
      !url.startsWith("/api/") ||
      url.length > MAX_URL_LENGTH ||
      UNUSUAL_URL.test(url)
    ) {
      return false;
    }
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    if (koaPaths.has(path)) return false;
    const match = matcher.match(method, path);
    if (match.kind === "none") return false;
    // Koa's ctx.search: "" for a bare "?".
    const search = q === -1 || q === url.length - 1 ? "" : url.slice(q);
    // serve() answers every error itself; this only keeps a bug in it from becoming an unhandled rejection.
    serve(options, req, res, method, path, search, match).catch((err: unknown) => {
      options.logger.error({ err }, "lean proxy path failed");
      res.destroy();
    });
    return true;
  };
}

type Found = Exclude<ReturnType<RouteMatcher["match"]>, { kind: "none" }>;

async function serve(
  options: LeanProxyOptions,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  path: string,
  search: string,
  match: Found,
): Promise<void> {
  const started = performance.now();
  const correlationId = correlationIdFrom(req.headers[CORRELATION_HEADER] || undefined);
  // A child logger only when something is logged besides the request line (which names the id itself).
  let child: Logger | undefined;
  const log = () => {
    child ??= options.logger.child({ correlationId });
    return child;
  };
  res.setHeader("Content-Security-Policy", API_CONTENT_SECURITY_POLICY);
  res.setHeader(CORRELATION_HEADER, correlationId);
  res.setHeader("X-Content-Type-Options", "nosniff");
  try {
    await forward(options, { req, res, method, path, search, match, correlationId, log });
  } catch (err) {
    const answer = toErrorResponse(err);
    logErrorAnswer(log(), err, answer);
    if (!res.headersSent) {
      res.statusCode = answer.status;
      res.setHeader(ERROR_CODE_HEADER, answer.code);
      const text = JSON.stringify(answer.body);
      res.setHeader("Content-Type", "application/json; charset=utf-8");
      res.setHeader("Content-Length", Buffer.byteLength(text));
      if (writable(res)) res.end(text);
      else res.end();
    }
  }
  const line = { method, path, status: res.statusCode };
  if (child) logRequest(child, line, started);
  else logRequest(options.logger, line, started, correlationId);
}

interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  path: string;
  search: string;
  match: Found;
  correlationId: string;
  log: () => Logger;
}

/** The Koa chain's steps for a proxied route, in its order: rate limit, 405, circuit, body, backend, answer. */
async function forward(options: LeanProxyOptions, exchange: Exchange): Promise<void> {
  const { req, res, method, path, match, correlationId, log } = exchange;
  const { trustProxy, now } = options;
  if (options.limiter !== undefined) {
    const client = requestIp(req, trustProxy);
    const limited = options.limiter.check(method, path, client);
    if (limited !== undefined) {
      res.setHeader("Retry-After", String(limited.retryAfter));
      throw rateLimitedError(limited, client, log());
    }
  }
  if (match.kind === "method-not-allowed") {
    res.setHeader("Allow", match.allow.join(", "));
    throw new AppError(405, "method_not_allowed", "Method not allowed");
  }
  const rule: RouteRule = match.rule;
  const upstream = options.upstreams[rule.upstream];
  const retryAfter = openCircuitRetryAfter(upstream, now);
  if (retryAfter !== undefined) {
    res.setHeader("Retry-After", String(retryAfter));
    throw circuitOpenError();
  }
  const body = await readForwardedBody(req, options.bodyLimitBytes, () =>
    res.setHeader("Connection", "close"),
  );
  const answer = await askUpstream({
    req,
    res,
    rule,
    upstream,
    target: path + exchange.search,
    body,
    correlationId,
    origin: {
      host: requestHost(req, trustProxy),
      protocol: requestProtocol(req, trustProxy),
      peer: req.socket.remoteAddress,
      trustProxy,
    },
    log,
    now,
    bufferLimit: options.responseBufferLimitBytes ?? 1024 * 1024,
  });
  res.statusCode = answer.statusCode;
  const { headers, length } = answerHeaders(answer);
  for (const name in headers) res.setHeader(name, headers[name] as string);
  if (EMPTY_STATUSES.has(answer.statusCode)) {
    if (!Buffer.isBuffer(answer.body)) answer.body.destroy();
    res.removeHeader("Content-Type");
    res.end();
    return;
  }
  if (!res.hasHeader("Content-Type")) res.setHeader("Content-Type", "application/octet-stream");
  if (Buffer.isBuffer(answer.body)) {
    res.setHeader("Content-Length", length ?? answer.body.length);
    if (writable(res)) res.end(answer.body);
    else res.end();
    return;
  }
  if (length !== undefined) res.setHeader("Content-Length", length);
  // As Koa does: a client that leaves ends the pipeline, which destroys the body and so the backend request.
  const lateError = lateErrorLogger(options.logger);
  pipeline(answer.body, res, (err) => {
    if (err) lateError(err);
  });
}

/** Koa's ctx.writable: nothing is written to a response that ended or a socket that closed. */
function writable(res: ServerResponse): boolean {
  if (res.writableEnded) return false;
  return res.socket === null || res.socket.writable;
}
