import type { Router } from "@koa/router";
import Koa from "koa";
import type { ListenConfig } from "./config.ts";
import { listen, type RequestState, type RunningServer, requestMiddleware } from "./http.ts";
import { createLogger, type Logger } from "./logger.ts";
import { healthRoute } from "./service.ts";

/** A service as its `main.ts` and its tests drive it. */
export interface ServiceApp {
  readonly logger: Logger;
  /** Opens what the service needs and listens (once: a second call answers the same address); port 0 picks a free port. */
  start(): Promise<{ url: string; port: number }>;
  /** Stops accepting requests, lets in-flight ones finish, then releases what start opened, last first. */
  stop(): Promise<void>;
}

/** What a service's `build` gives the HTTP server. */
export interface ServiceParts {
  /** Routers whose routes only are mounted (a wrong method falls through to 404), before `routers`. */
  routesOnly?: Router<RequestState>[];
  /** Routers (their routes and allowed methods) mounted after the middleware, in this order. */
  routers?: Router<RequestState>[];
  /** Koa's "error" event: a response that failed after it started (default: Koa's own logging). */
  onError?: (err: NodeJS.ErrnoException) => void;
  /** Run by stop before the server closes (e.g. ending open streams that would hold the close). */
  beforeClose?: () => unknown;
  /** Trust X-Forwarded-* (Koa's `app.proxy`). */
  proxy?: boolean;
  /** Logged with the "listening" line. */
  info?: Record<string, unknown>;
}

/** What every service's tests may swap. */
export interface ServiceOverrides {
  logger?: Logger;
  clock?: { now(): Date };
}

export interface ServiceAppOptions {
  name: string;
  /** Where to listen and how much to log (the service's config). */
  config: ListenConfig;
  /** A logger instead of the service's own (`createLogger` with the config's level). */
  logger?: Logger | undefined;
  /** Released on every stop, after everything `build` opened (what the factory made, such as AWS clients). */
  release?: () => void;
}

/**
 * Opens what the service needs (database, relay, consumer, ...), calling `onStop` with how to release each
 * thing right after opening it; a failure part-way releases what was opened, and start fails.
 */
export type ServiceBuild = (
  onStop: (release: () => unknown) => void,
  logger: Logger,
) => Promise<ServiceParts>;

/** The start/stop life cycle every service shares: build, mount the routes, listen; stop in reverse. */
export function serviceApp(options: ServiceAppOptions, build: ServiceBuild): ServiceApp {
  const { name, config } = options;
  const logger = options.logger ?? createLogger({ service: name, level: config.logLevel });
  let server: RunningServer | undefined;
  let releases: Array<() => unknown> = [];
  let beforeClose: (() => unknown) | undefined;

  async function stop(): Promise<void> {
    const [s, opened, first] = [server, releases, beforeClose];
    server = beforeClose = undefined;
    releases = [];
    await first?.();
    await s?.close();
    for (const release of opened.reverse()) await release();
    options.release?.();
  }

  return {
    logger,
    stop,
    async start() {
      if (server) return { url: server.url, port: server.port };
      let parts: ServiceParts;
      try {
        parts = await build((release) => releases.push(release), logger);
        beforeClose = parts.beforeClose;
        const app = new Koa<RequestState>();
        app.proxy = parts.proxy ?? false;
        if (parts.onError) app.on("error", parts.onError);
        app.use(requestMiddleware(logger)).use(healthRoute());
        for (const router of parts.routesOnly ?? []) app.use(router.routes());
        for (const router of parts.routers ?? []) app.use(router.routes()).use(router.allowedMethods());
        server = await listen(app, config.port, config.host, logger);
      } catch (err) {
        await stop();
        throw err;
      }
      logger.info({ url: server.url, ...parts.info }, `${name} service listening`);
      return { url: server.url, port: server.port };
    },
  };
}
