import { FEED_PATH, FEED_VERSION_HEADER } from "@taskoverflow/contracts";
import { matchesAny, type RequestState } from "@taskoverflow/platform";
import type Koa from "koa";
import { clientResponseHeaders, upstreamRequestHeaders } from "../proxy/proxy.headers.ts";
import type { Upstream } from "../proxy/upstream.pool.ts";
import { sendUpstream } from "../proxy/upstream.request.ts";
import type { FeedVersionSubscription } from "./feed.subscription.ts";

/**
 * The only queries answered from the cache: their content depends on the calendar's state alone. A `window`
 * counts from the time of the request (its content changes as time passes, with no version change), and any
 * other spelling is the calendar service's to judge (a 400, an ignored parameter): both always go upstream.
 */
const CACHEABLE_QUERIES = new Set(["", "completed=true", "completed=false"]);
/** What a 304 carries, as the calendar service sends it. */
const NOT_MODIFIED_HEADERS = ["etag", "last-modified", "cache-control", "vary"];

interface Entry {
  version: string;
  etag: string;
  headers: Record<string, string>;
  body: Buffer;
}

export interface FeedCacheOptions {
  upstream: Upstream;
  /** Starts the subscription to the calendar service's version: on the first feed request, not before. */
  subscribe: () => FeedVersionSubscription;
  /** Most bytes of answers kept (at most six: three queries, identity and gzip); bigger answers are proxied. */
  maxBytes: number;
}

/**
 * Answers `GET /api/v1/todos/calendar.ics` (and its `completed` filters) from the calendar service's last
 * answers, without a hop, while they are provably current: each kept answer carries the version token the
 * calendar service labelled it with, and it is used only while the subscription's `current` equals that token.
 * The subscription clears `current` the moment it learns of a newer version or loses the stream, so after the
 * calendar service has reported a change (or while nothing is known) every request goes upstream, as without a
 * cache. The first request of a version fetches a fresh answer (coalesced per variant), then answers from it.
 * Anything else (HEAD, other queries, an upstream error, a circuit open) falls through to the proxy.
 */
export function feedCacheMiddleware({ upstream, subscribe, maxBytes }: FeedCacheOptions): {
  middleware: Koa.Middleware<RequestState>;
  stop(): Promise<void>;
} {
  const entries = new Map<string, Entry>();
  const filling = new Map<string, Promise<Entry | undefined>>();
  /** Variants whose answer at this version is too big to keep: proxied without asking twice. */
  const tooBig = new Map<string, string>();
  let bytes = 0;
  const drop = (key: string) => {
    const e = entries.get(key);
    if (!e) return;
    entries.delete(key);
    bytes -= e.body.length;
  };
  let following: FeedVersionSubscription | undefined;
  const follow = (): FeedVersionSubscription => {
    if (!following) {
      following = subscribe();
      // Answers of another version are of no use any more (and a lost subscription makes all of them so).
      following.onChange((version) => {
        for (const [key, e] of entries) if (e.version !== version) drop(key);
      });
    }
    return following;
  };

  async function fill(
    subscription: FeedVersionSubscription,
    ctx: Koa.ParameterizedContext<RequestState>,
    key: string,
    gzip: boolean,
  ) {
    const headers = upstreamRequestHeaders(ctx.req.headers, {
      correlationId: ctx.state.correlationId,
      host: ctx.host,
      protocol: ctx.protocol,
      forwardedFor: ctx.request.socket.remoteAddress ?? "",
    });
    delete headers["if-none-match"];
    delete headers["if-modified-since"];
    headers["accept-encoding"] = gzip ? "gzip" : "identity";
    const answer = await sendUpstream(upstream.pool, { method: "GET", path: ctx.url, headers }, maxBytes);
    const version = answer.headers[FEED_VERSION_HEADER];
    const etag = answer.headers.etag;
    if (
      answer.statusCode !== 200 ||
      !Buffer.isBuffer(answer.body) ||
      typeof version !== "string" ||
      typeof etag !== "string"
    ) {
      if (!Buffer.isBuffer(answer.body)) {
        answer.body.destroy();
        if (typeof version === "string") tooBig.set(key, version);
      }
      return undefined;
    }
    const forwarded = clientResponseHeaders(answer.headers);
    delete forwarded["content-length"];
    const entry: Entry = { version, etag, headers: forwarded, body: answer.body };
    // Kept and used only when of the version the subscription reports now; one that is ahead (its event still on
    // the way) or behind (an instance that lags the one we follow) leaves the request to the proxy.
    if (version === subscription.current) {
      drop(key);
      if (entry.body.length <= maxBytes) {
        for (const other of entries.keys()) if (bytes + entry.body.length > maxBytes) drop(other);
        entries.set(key, entry);
        bytes += entry.body.length;
      }
    }
    return entry;
  }

  const middleware: Koa.Middleware<RequestState> = async (ctx, next) => {
    if (ctx.method !== "GET" || ctx.path !== FEED_PATH || !CACHEABLE_QUERIES.has(ctx.querystring)) {
      return next();
    }
    const subscription = follow();
    const current = subscription.current;
    if (current === undefined) return next();
    const gzip = ctx.acceptsEncodings("gzip", "identity") === "gzip";
    const key = `${ctx.querystring}|${gzip ? "gzip" : "identity"}`;
    let entry = entries.get(key);
    if (entry?.version !== current) {
      if (tooBig.get(key) === current || !upstream.circuit.allows(Date.now())) return next();
      let pending = filling.get(key);
      if (!pending) {
        pending = fill(subscription, ctx, key, gzip)
          .catch(() => undefined)
          .finally(() => filling.delete(key));
        filling.set(key, pending);
      }
      entry = await pending;
      // Not a cacheable answer (an error, too big), or of another version than the one reported now: the proxy
      // asks again and answers as it always does.
      if (!entry || entry.version !== subscription.current) return next();
    }
    const inm = ctx.get("If-None-Match");
    if (inm !== "" && matchesAny(inm, [entry.etag])) {
      for (const name of NOT_MODIFIED_HEADERS) {
        const value = entry.headers[name];
        if (value !== undefined) ctx.set(name, value);
      }
      ctx.status = 304;
      return;
    }
    ctx.status = 200;
    ctx.set(entry.headers);
    ctx.body = entry.body;
  };
  return { middleware, stop: async () => following?.stop() };
}
