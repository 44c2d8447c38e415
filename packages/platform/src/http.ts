import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type Koa from "koa";
import { AppError } from "./errors.ts";
import type { Logger } from "./logger.ts";

export const CORRELATION_HEADER = "x-correlation-id";
const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** What every Koa context of ours carries in `ctx.state`. */
export interface RequestState {
  correlationId: string;
  log: Logger;
}

/** A correlation id from the caller when it is well-formed, a new one otherwise. */
export function correlationIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && CORRELATION_ID.test(value) ? value : randomUUID();
}

/**
 * Registered first: gives each request a correlation id and a child logger, logs one line per
 * request, and turns every error into a JSON body. Internal details never reach the client.
 */
export function requestMiddleware(logger: Logger): Koa.Middleware<RequestState> {
  return async (ctx, next) => {
    const started = performance.now();
    const correlationId = correlationIdFrom(ctx.get(CORRELATION_HEADER) || undefined);
    const log = logger.child({ correlationId });
    ctx.state.correlationId = correlationId;
    ctx.state.log = log;
    ctx.set(CORRELATION_HEADER, correlationId);
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        ctx.status = 404;
        ctx.body = { error: "Not found", code: "route_not_found" };
      }
    } catch (err) {
      const { status, body } = toErrorResponse(err);
      ctx.status = status;
      ctx.body = body;
      if (status >= 500) log.error({ err }, "request failed");
      else log.debug({ err: { message: body.error, code: body.code } }, "request rejected");
    } finally {
      const ms = Math.round((performance.now() - started) * 10) / 10;
      log.info({ method: ctx.method, path: ctx.path, status: ctx.status, ms }, "request");
    }
  };
}

export function toErrorResponse(err: unknown): { status: number; body: { error: string; code: string } } {
  if (err instanceof AppError) return { status: err.status, body: { error: err.message, code: err.code } };
  // Errors from Koa and its body parser (http-errors): trust their status and, when exposed, their message.
  const e = err as {
    status?: unknown;
    statusCode?: unknown;
    expose?: unknown;
    message?: unknown;
    type?: unknown;
  };
  const status = Number(e.status ?? e.statusCode);
  if (Number.isInteger(status) && status >= 400 && status < 500) {
    if (status === 413)
      return { status, body: { error: "Request body too large", code: "payload_too_large" } };
    if (status === 415)
      return { status, body: { error: "Unsupported media type", code: "unsupported_media_type" } };
    if (e.type === "entity.parse.failed" || (status === 400 && String(e.message).includes("JSON"))) {
      return { status: 400, body: { error: "Request body is not valid JSON", code: "invalid_json" } };
    }
    const message = e.expose === true && typeof e.message === "string" ? e.message : "Bad request";
    return { status, body: { error: message, code: "bad_request" } };
  }
  return { status: 500, body: { error: "Internal server error", code: "internal_error" } };
}

const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/**
 * `<proto>://<host>` as the client sees us: the gateway's X-Forwarded-Host/-Proto when well-formed, else our
 * Host header. The gateway decides what to forward (it only trusts a client's own X-Forwarded-* with TRUST_PROXY).
 */
export function publicOrigin(ctx: { get(name: string): string; protocol: string }): string {
  const first = (name: string) => ctx.get(name).split(",")[0]?.trim() ?? "";
  const forwardedHost = first("x-forwarded-host");
  const host = HOST.test(forwardedHost) ? forwardedHost : ctx.get("host");
  const forwardedProto = first("x-forwarded-proto").toLowerCase();
  const proto = forwardedProto === "https" || forwardedProto === "http" ? forwardedProto : ctx.protocol;
  return `${proto}://${host}`;
}

export interface RunningServer {
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Listens on host:port (port 0 picks a free one) and closes gracefully: in-flight requests finish. */
export async function listen(
  app: Koa<RequestState>,
  port: number,
  host = "127.0.0.1",
): Promise<RunningServer> {
  const server = createServer(app.callback());
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    server,
    port: actual,
    url: `http://${host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host}:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Connections still busy after a grace period are cut so shutdown never hangs.
        setTimeout(() => server.closeAllConnections(), 5_000).unref();
      }),
  };
}

/** Runs `stop` once on SIGINT/SIGTERM, then exits; a second signal exits at once. */
export function onShutdown(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, "shutting down");
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
}
