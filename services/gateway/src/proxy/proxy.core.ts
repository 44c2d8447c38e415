import { isUtf8 } from "node:buffer";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { AppError, type Logger, UpstreamError } from "@taskoverflow/platform";
import type { RouteRule } from "../routing/route.table.ts";
import { clientResponseHeaders, upstreamRequestHeaders } from "./proxy.headers.ts";
import { PayloadTooLargeError, readRequestBody } from "./request.body.ts";
import { classifyUpstreamError } from "./upstream.errors.ts";
import type { Upstream } from "./upstream.pool.ts";
import { ClientClosedError, sendUpstream, type UpstreamAnswer } from "./upstream.request.ts";

// The steps of forwarding one request, shared by the Koa proxy middleware and the lean proxy path, so that both
// refuse, forward and answer alike. Each step that refuses throws the AppError the client gets as JSON.

/** The seconds after which an open circuit lets a request try again; undefined when it lets this one through. */
export function openCircuitRetryAfter(upstream: Upstream, now: () => number): number | undefined {
  if (upstream.circuit.allows(now())) return undefined;
  return Math.ceil(upstream.circuit.retryAfterMs(now()) / 1000);
}

export const circuitOpenError = () =>
  new UpstreamError(503, "Service temporarily unavailable", "upstream_circuit_open");

const methodsWithBody = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * The request body (methods that carry one), at most `limit` bytes and valid UTF-8: refused here, before a
 * backend's JSON parser would turn bad bytes into U+FFFD and store them. `onTooLarge` runs before a 413 is thrown:
 * the caller closes the connection, since the unread rest must not be parsed as the next request.
 */
export async function readForwardedBody(
  req: IncomingMessage,
  limit: number,
  onTooLarge: () => void,
): Promise<Buffer | undefined> {
  if (!methodsWithBody.has(req.method ?? "")) return undefined;
  let body: Buffer | undefined;
  try {
    body = await readRequestBody(req, limit);
  } catch (err) {
    if (err instanceof PayloadTooLargeError) onTooLarge();
    throw err;
  }
  if (body !== undefined && !isUtf8(body)) {
    throw new AppError(400, "invalid_utf8", "Request body is not valid UTF-8");
  }
  return body;
}

/** Where the request came from, as the backend is told (X-Forwarded-*). */
export interface ClientOrigin {
  host: string;
  protocol: string;
  /** The connecting peer. */
  peer: string | undefined;
  trustProxy: boolean;
}

export interface ForwardedRequest {
  req: IncomingMessage;
  res: ServerResponse;
  rule: RouteRule;
  upstream: Upstream;
  /** Path and query, unchanged. */
  target: string;
  body: Buffer | undefined;
  correlationId: string;
  origin: ClientOrigin;
  /** The request's logger (a warning when the backend gave no answer). */
  log: () => Logger;
  now: () => number;
  bufferLimit: number;
}

/**
 * Sends the request to its backend and waits for the answer's head (and its body when small), keeping the
 * upstream's circuit up to date. A backend that gives no answer is a 502 (504 when it timed out); a client that
 * hangs up first stops the wait (400 `client_closed`, nobody is left to read it).
 */
export async function askUpstream(request: ForwardedRequest): Promise<UpstreamAnswer> {
  const { req, res, rule, upstream, origin } = request;
  const headers = upstreamRequestHeaders(req.headers, {
    correlationId: request.correlationId,
    host: origin.host,
    protocol: origin.protocol,
    forwardedFor: forwardedFor(req.headers, origin.peer, origin.trustProxy),
    credentials: rule.credentials === true,
    ...(request.body !== undefined ? { contentLength: request.body.length } : {}),
  });
  const streaming = rule.stream === true;
  if (streaming) {
    // An event stream may be quiet for long stretches: no socket timeout, and each event sent at once.
    req.socket.setTimeout(0);
    req.socket.setNoDelay(true);
  }
  let answer: UpstreamAnswer;
  try {
    answer = await sendUpstream(
      streaming ? upstream.streamPool : upstream.pool,
      // With `client`, a client that hangs up stops the wait for the backend and frees the socket.
      { method: req.method ?? "GET", path: request.target, headers, body: request.body, client: res },
      // An event stream has no Content-Length, so it is passed on chunk by chunk; its JSON errors are buffered.
      request.bufferLimit,
    );
  } catch (err) {
    if (err instanceof ClientClosedError)
      throw new AppError(400, "client_closed", "Client closed the request");
    upstream.circuit.recordFailure(request.now());
    const failure = classifyUpstreamError(err);
    request.log().warn({ err, upstream: upstream.name, failure }, "backend gave no answer");
    if (failure === "timeout") {
      throw new UpstreamError(504, "Backend did not answer in time", "upstream_timeout", { cause: err });
    }
    throw new UpstreamError(502, "Backend unavailable", "upstream_unavailable", { cause: err });
  }
  upstream.circuit.recordSuccess();
  return answer;
}

/**
 * The answer's headers the client gets (the allowlist; never buffered or compressed on the way when it is an event
 * stream) and its declared length, which the caller sets last.
 */
export function answerHeaders(answer: UpstreamAnswer): {
  headers: Record<string, string>;
  length: string | undefined;
} {
  const headers = clientResponseHeaders(answer.headers);
  const length = headers["content-length"];
  delete headers["content-length"];
  if (isEventStream(headers["content-type"])) {
    // By us, nginx or anything else that reads this header.
    headers["X-Accel-Buffering"] = "no";
    headers["Cache-Control"] = "no-store";
  }
  return { headers, length };
}

/** Statuses whose answer has no body (Koa strips their Content-Type and Content-Length too). */
export const EMPTY_STATUSES: ReadonlySet<number> = new Set([204, 205, 304]);

const EVENT_STREAM = /^\s*text\/event-stream\s*(;|$)/i;
const isEventStream = (type: string | undefined) => type !== undefined && EVENT_STREAM.test(type);

/** X-Forwarded-For as the backend should see it: the chain we trust plus the peer that connected to us. */
function forwardedFor(headers: IncomingHttpHeaders, peer: string | undefined, trustProxy: boolean): string {
  const prior = trustProxy ? headers["x-forwarded-for"] : undefined;
  const chain = typeof prior === "string" && prior !== "" ? [prior] : [];
  if (peer) chain.push(peer);
  return chain.join(", ");
}
