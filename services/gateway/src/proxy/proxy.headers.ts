import type { IncomingHttpHeaders } from "node:http";

/**
 * Headers a client may send that the backends act on. An allowlist rather than stripping hop-by-hop
 * headers: the backends see a small, predictable set, and nothing (cookies, proxy credentials, upgrade
 * requests) leaks past the edge by accident. `host`, `content-length` and the `x-forwarded-*` headers
 * are set by the gateway itself.
 */
export const forwardedRequestHeaders: readonly string[] = [
  "accept",
  "accept-encoding",
  "accept-language",
  "content-type",
  "if-match",
  "if-none-match",
  "if-modified-since",
  "if-unmodified-since",
  "last-event-id",
  // `wait=N` holds a job status answer until the job moves on (RFC 7240).
  "prefer",
  "user-agent",
];

/**
 * Headers of a backend's answer that reach the client (the calendar download needs content-disposition, paging
 * needs link, errors carry their code in x-error-code, the feed sends precompressed gzip: content-encoding).
 */
export const forwardedResponseHeaders: readonly string[] = [
  "allow",
  "cache-control",
  "content-disposition",
  "content-encoding",
  "content-language",
  "content-length",
  "content-type",
  "etag",
  "expires",
  "last-modified",
  "link",
  "location",
  "preference-applied",
  "retry-after",
  "vary",
  "www-authenticate",
  "x-accel-buffering",
  "x-error-code",
];

/** Passed on only to a backend that checks the caller itself (a route with `credentials`). */
export const credentialRequestHeaders: readonly string[] = ["authorization", "last-event-id"];

export interface ForwardingContext {
  correlationId: string;
  /** What the client asked for: the calendar service builds absolute task/result URLs from these. */
  host: string;
  protocol: string;
  /** The client's address chain, nearest last, as X-Forwarded-For lists it. */
  forwardedFor: string;
  contentLength?: number;
  /** Also pass `credentialRequestHeaders` (the route's backend checks the caller). */
  credentials?: boolean;
}

/** The headers sent upstream: the allowlisted client headers plus what the gateway knows. */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  forwarding: ForwardingContext,
): Record<string, string> {
  const out: Record<string, string> = {};
  const names = forwarding.credentials
    ? [...forwardedRequestHeaders, ...credentialRequestHeaders]
    : forwardedRequestHeaders;
  for (const name of names) {
    const value = incoming[name];
    if (typeof value === "string") out[name] = value;
  }
  out["x-correlation-id"] = forwarding.correlationId;
  if (forwarding.host !== "") out["x-forwarded-host"] = forwarding.host;
  out["x-forwarded-proto"] = forwarding.protocol;
  if (forwarding.forwardedFor !== "") out["x-forwarded-for"] = forwarding.forwardedFor;
  if (forwarding.contentLength !== undefined) out["content-length"] = String(forwarding.contentLength);
  return out;
}

/** The allowlisted headers of an upstream answer, joined when the backend repeated one. */
export function clientResponseHeaders(
  upstream: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of forwardedResponseHeaders) {
    const value = upstream[name];
    if (typeof value === "string") out[name] = value;
    else if (Array.isArray(value) && value.length > 0) out[name] = value.join(", ");
  }
  return out;
}
