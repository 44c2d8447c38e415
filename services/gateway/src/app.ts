import { fileURLToPath } from "node:url";
import {
  createLogger,
  healthRoute,
  type Logger,
  listen,
  type RequestState,
  requestMiddleware,
} from "@taskoverflow/platform";
import Koa from "koa";
import type { GatewayConfig } from "./config.ts";
import { healthRoutes } from "./health/health.routes.ts";
import { proxyMiddleware } from "./proxy/proxy.middleware.ts";
import { createUpstreams } from "./proxy/upstream.pool.ts";
import { createRouteMatcher, type RouteRule, routeTable } from "./routing/route.table.ts";
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
    circuit: config.circuit,
  });

  const app = new Koa<RequestState>({ proxy: config.trustProxy });
  // Errors after the answer started (a backend hanging up mid-body) can only be logged.
  app.on("error", (err: unknown) => logger.warn({ err }, "response failed after it started"));
  const health = healthRoutes(upstreams, config.readyTimeoutMs);
  app.use(requestMiddleware(logger));
  app.use(healthRoute());
  app.use(health.routes());
  app.use(
    proxyMiddleware({
      matcher: createRouteMatcher(overrides.routes ?? routeTable),
      upstreams,
      bodyLimitBytes: config.bodyLimitBytes,
      now: overrides.now ?? Date.now,
    }),
  );
  app.use(staticMiddleware(overrides.publicDir ?? defaultPublicDir));

  let server: Awaited<ReturnType<typeof listen>> | undefined;
  return {
    async start() {
      server = await listen(app, config.port, config.host);
      // A slow client must not hold a socket (and a body buffer) for Node's default 5 minutes: headers and the
      // small body have 30 s in all. Waiting for a backend does not count; UPSTREAM_TIMEOUT_MS bounds that.
      server.server.headersTimeout = 20_000;
      server.server.requestTimeout = 30_000;
      logger.info({ url: server.url, upstreams: config.upstreams }, "gateway listening");
      return { port: server.port, url: server.url };
    },
    async stop() {
      await server?.close();
      server = undefined;
      await closeUpstreams();
    },
  };
}
