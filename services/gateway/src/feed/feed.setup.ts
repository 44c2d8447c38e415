import type { Logger } from "@taskoverflow/platform";
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

/** The feed cache and its subscription to the calendar service, or undefined when FEED_CACHE_BYTES is 0. */
export function feedCache(
  config: Pick<GatewayConfig, "feedCacheBytes">,
  calendar: Upstream,
  logger: Logger,
  tuning: FeedCacheTuning = {},
): { middleware: Koa.Middleware; stop(): Promise<void> } | undefined {
  if (config.feedCacheBytes === 0) return undefined;
  const subscription = subscribeFeedVersion({
    pool: calendar.streamPool,
    log: logger.child({ component: "feed-cache" }),
    ...tuning,
  });
  return {
    middleware: feedCacheMiddleware({ upstream: calendar, subscription, maxBytes: config.feedCacheBytes }),
    stop: () => subscription.stop(),
  };
}
