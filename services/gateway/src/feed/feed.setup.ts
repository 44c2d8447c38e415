import type { Logger, RequestState } from "@taskoverflow/platform";
import type Koa from "koa";
import type { GatewayConfig } from "../config.ts";
import type { Upstream } from "../proxy/upstream.pool.ts";
import { feedCacheMiddleware } from "./feed.cache.ts";
import { subscribeFeedVersion } from "./feed.subscription.ts";

export interface FeedCacheTuning {
  /** Silence on the version stream after which it counts as dead. */
  idleMs?: number;
  retryMs?: number;
}

/**
 * The feed cache and its subscription to the calendar service (started by the first feed request, so a gateway
 * nobody asks for the feed holds no stream), or undefined when FEED_CACHE_BYTES is 0.
 */
export function feedCache(
  config: Pick<GatewayConfig, "feedCacheBytes">,
  calendar: Upstream,
  logger: Logger,
  tuning: FeedCacheTuning = {},
): { middleware: Koa.Middleware<RequestState>; stop(): Promise<void> } | undefined {
  if (config.feedCacheBytes === 0) return undefined;
  return feedCacheMiddleware({
    upstream: calendar,
    maxBytes: config.feedCacheBytes,
    subscribe: () =>
      subscribeFeedVersion({
        pool: calendar.streamPool,
        log: logger.child({ component: "feed-cache" }),
        ...tuning,
      }),
  });
}
