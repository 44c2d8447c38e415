import type Koa from "koa";
import { onShutdown } from "./http.ts";
import { createLogger, type Logger } from "./logger.ts";

/** The liveness route every service answers (the launcher and the gateway's readiness check ask it). */
export const HEALTH_PATH = "/api/v1/health";

/** `GET /api/v1/health` -> 200 `{"status":"ok"}`, never cached; registered right after `requestMiddleware`. */
export function healthRoute(): Koa.Middleware {
  return async (ctx, next) => {
    if (ctx.path !== HEALTH_PATH || (ctx.method !== "GET" && ctx.method !== "HEAD")) return next();
    ctx.set("Cache-Control", "no-store");
    ctx.body = { status: "ok" };
  };
}

/** What a service's factory returns, as `main.ts` needs it. */
export interface RunnableService {
  logger: Logger;
  /** Resolves once the service is serving, with the port its server bound. */
  start(): Promise<{ port: number }>;
  stop(): Promise<void>;
}

/**
 * What a service started by a launcher over an IPC channel (the devstack) sends it once its server is bound,
 * whatever the log level: the launcher's proof that the port answers for this process and not another.
 */
export interface ListeningMessage {
  type: "listening";
  port: number;
}

/**
 * The body of every `main.ts`: builds the service (a bad configuration is a fatal log line, not a stack trace
 * on stderr), stops it on SIGINT/SIGTERM, and on a failed start logs the error, releases what was opened and
 * exits 1.
 */
export async function runService(
  service: string,
  build: () => RunnableService,
  exit: (code: number) => void = (code) => process.exit(code),
): Promise<void> {
  let app: RunnableService;
  try {
    app = build();
  } catch (err) {
    createLogger({ service }).fatal({ err }, `${service} service has a bad configuration`);
    exit(1);
    return;
  }
  onShutdown(app.logger, () => app.stop());
  let port: number;
  try {
    ({ port } = await app.start());
  } catch (err) {
    app.logger.fatal({ err }, `${service} service failed to start`);
    await app
      .stop()
      .catch((stopErr: unknown) => app.logger.error({ err: stopErr }, "stop after a failed start"));
    exit(1);
    return;
  }
  const send = process.send?.bind(process);
  // Disconnect once told, so the channel keeps nothing alive and the launcher can stop us by signal alone.
  send?.({ type: "listening", port } satisfies ListeningMessage, undefined, {}, () => process.disconnect());
}
