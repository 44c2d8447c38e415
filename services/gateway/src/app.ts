import type { RequestListener } from "node:http";
import { fileURLToPath } from "node:url";
import { FEED_PATH } from "@taskoverflow/contracts";
import {
  createLogger,
  healthRoute,
  type Logger,
  lateErrorLogger,
  listen,
  type RequestState,
  requestMiddleware,
} from "@taskoverflow/platform";
import Koa from "koa";
import type { GatewayConfig } from "./config.ts";
import { docsMiddleware } from "./docs/docs.routes.ts";
import { type FeedCacheTuning, feedCache } from "./feed/feed.setup.ts";
import { healthRoutes } from "./health/health.routes.ts";
import { createRateLimiter, rateLimitMiddleware } from "./limits/rate.limiter.ts";
import { createLeanProxy } from "./proxy/lean.proxy.ts";
import { proxyMiddleware } from "./proxy/proxy.middleware.ts";
import { createUpstreams } from "./proxy/upstream.pool.ts";
import { createRouteMatcher, type RouteRule, routeTable } from "./routing/route.table.ts";
import { API_CONTENT_SECURITY_POLICY } from "./web/security.headers.ts";
import { staticMiddleware } from "./web/static.middleware.ts";

export type { GatewayConfig, UpstreamName } from "./config.ts";
export { loadConfig } from "./config.ts";
export type { RouteRule } from "./routing/route.table.ts";
export { routeTable } from "./routing/route.table.ts";

export interface GatewayOverrides {
  logger?: Logger;
  /** Folder of the web UI; the package's `public/` by default. */
  publicDir?: string;
  /** The routing table; `routeTable` by default. */
  routes?: readonly RouteRule[];
  /** Milliseconds clock for the circuits. */
  now?: () => number;
  /** The feed cache's subscription timings (tests shorten them). */
  feedCache?: FeedCacheTuning;
  /** Serve every request through Koa, without the lean proxy path (tests compare the two). */
  koaOnly?: boolean;
}

export interface StartedGateway {
  port: number;
  url: string;
}

export interface GatewayApp {
  start(): Promise<StartedGateway>;
  stop(): Promise<void>;
}

const defaultPublicDir = fileURLToPath(new URL("../public", import.meta.url));

export function createGatewayApp(config: GatewayConfig, overrides: GatewayOverrides = {}): GatewayApp {
  const logger = overrides.logger ?? createLogger({ service: "gateway", level: config.logLevel });
  const { upstreams, close: closeUpstreams } = createUpstreams(config.upstreams, {
    timeoutMs: config.upstreamTimeoutMs,
    streamIdleTimeoutMs: config.streamIdleTimeoutMs,
    circuit: config.circuit,
  });

  // Behind a load balancer (TRUST_PROXY) the client is the address it appended to X-Forwarded-For: only the
  // last entry counts (maxIpsCount 1), since a client can put anything before it.
  const app = new Koa<RequestState>({ proxy: config.trustProxy, maxIpsCount: 1 });
  app.on("error", lateErrorLogger(logger));
  const health = healthRoutes(upstreams, config.readyTimeoutMs);
  app.use(async (ctx, next) => {
    ctx.set("Content-Security-Policy", API_CONTENT_SECURITY_POLICY);
    await next();
  });
  app.use(requestMiddleware(logger));
  app.use(healthRoute());
  app.use(health.routes());
  app.use(docsMiddleware());
  const now = overrides.now ?? Date.now;
  const limiter = createRateLimiter(config.rateLimits, now);
  const limits = rateLimitMiddleware(limiter);
  if (limits) app.use(limits);
  const feed = feedCache(config, upstreams.calendar, logger, overrides.feedCache);
  if (feed) app.use(feed.middleware);
  const matcher = createRouteMatcher(overrides.routes ?? routeTable);
  const bodyLimitBytes = config.bodyLimitBytes;
  app.use(proxyMiddleware({ matcher, upstreams, bodyLimitBytes, now }));
  app.use(staticMiddleware(overrides.publicDir ?? defaultPublicDir));

  // The proxied routes skip Koa (see lean.proxy.ts); the cached feed and everything else go through it.
  const koa = app.callback();
  const lean = createLeanProxy({
    matcher,
    upstreams,
    limiter,
    bodyLimitBytes,
    trustProxy: config.trustProxy,
    now,
    logger,
    koaPaths: new Set(feed ? [FEED_PATH] : []),
  });
  const handler: RequestListener = overrides.koaOnly
    ? koa
    : (req, res) => {
        if (!lean(req, res)) void koa(req, res);
      };

  let server: Awaited<ReturnType<typeof listen>> | undefined;
  return {
    async start() {
      server = await listen(handler, config.port, config.host, logger);
      // A slow client must not hold a socket (and a body buffer) for Node's default 5 minutes: headers and the
      // small body have 30 s in all. Waiting for a backend does not count; UPSTREAM_TIMEOUT_MS bounds that.
      server.server.headersTimeout = 20_000;
      server.server.requestTimeout = 30_000;
      logger.info(
        { url: server.url, upstreams: config.upstreams, rateLimits: config.rateLimits },
        "gateway listening",
      );
      return { port: server.port, url: server.url };
    },
    async stop() {
      await server?.close();
      server = undefined;
      await feed?.stop();
      await closeUpstreams();
    },
  };
}
