import { randomUUID } from "node:crypto";
import { createServer, maxHeaderSize, type RequestListener, type Server, STATUS_CODES } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import type Koa from "koa";
import { AppError } from "./errors.ts";
import { type Logger, logErrorAnswer, logRequest } from "./logger.ts";

export const CORRELATION_HEADER = "x-correlation-id";
/** The stable code of an error answer; the body stays exactly `{"error": message}` (the contract's form). */
export const ERROR_CODE_HEADER = "x-error-code";
/** Longest request target (path + query) answered; longer is a 414. */
export const MAX_URL_LENGTH = 8192;
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
 * request, and turns every error into a JSON body `{"error": message}` with its code in `X-Error-Code`.
 * Internal details never reach the client. Every answer carries `X-Content-Type-Options: nosniff`.
 */
export function requestMiddleware(logger: Logger): Koa.Middleware<RequestState> {
  return async (ctx, next) => {
    const started = performance.now();
    const correlationId = correlationIdFrom(ctx.get(CORRELATION_HEADER) || undefined);
    // The child logger is made when something logs (at warn most requests log nothing; a child costs µs).
    let child: Logger | undefined;
    const log = () => {
      child ??= logger.child({ correlationId });
      return child;
    };
    ctx.state.correlationId = correlationId;
    Object.defineProperty(ctx.state, "log", { get: log, enumerable: true, configurable: true });
    ctx.set(CORRELATION_HEADER, correlationId);
    ctx.set("X-Content-Type-Options", "nosniff");
    try {
      if (ctx.url.length > MAX_URL_LENGTH) throw new AppError(414, "uri_too_long", "URI too long");
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        ctx.status = 404;
        ctx.set(ERROR_CODE_HEADER, "route_not_found");
        ctx.body = { error: "Not found" };
      }
    } catch (err) {
      const answer = toErrorResponse(err);
      ctx.status = answer.status;
      ctx.set(ERROR_CODE_HEADER, answer.code);
      ctx.body = answer.body;
      logErrorAnswer(log(), err, answer);
    } finally {
      if (logger.isLevelEnabled("info")) logRequest(log(), ctx, started);
    }
  };
}

export interface ErrorResponse {
  status: number;
  /** Exactly the contract's body. */
  body: { error: string };
  /** For the X-Error-Code header and the log. */
  code: string;
}

const answer = (status: number, error: string, code: string): ErrorResponse => ({
  status,
  body: { error },
  code,
});

export function toErrorResponse(err: unknown): ErrorResponse {
  if (err instanceof AppError) return answer(err.status, err.message, err.code);
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
    if (status === 413) return answer(status, "Request body too large", "payload_too_large");
    if (status === 415) return answer(status, "Unsupported media type", "unsupported_media_type");
    if (e.type === "entity.parse.failed" || (status === 400 && String(e.message).includes("JSON"))) {
      return answer(400, "Request body is not valid JSON", "invalid_json");
    }
    const message = e.expose === true && typeof e.message === "string" ? e.message : "Bad request";
    return answer(status, message, "bad_request");
  }
  return answer(500, "Internal server error", "internal_error");
}

/**
 * The answer to an error Node's HTTP parser raises before any Koa code runs (`clientError`): too large
 * headers, a too long request line, framing that does not parse (conflicting Content-Length and
 * Transfer-Encoding, bad chunking), a request that took too long. Undefined: the socket is already gone.
 */
export function clientErrorResponse(err: NodeJS.ErrnoException & { rawPacket?: Buffer }): ErrorResponse {
  switch (err.code) {
    case "HPE_HEADER_OVERFLOW": {
      // The limit covers the request line too: a request line past it on its own means the URI is too long.
      const raw = err.rawPacket;
      const end = raw?.indexOf("\n") ?? -1;
      const lineLength = end === -1 ? (raw?.length ?? 0) : end;
      return raw !== undefined && lineLength >= maxHeaderSize
        ? answer(414, "URI too long", "uri_too_long")
        : answer(431, "Request header fields too large", "headers_too_large");
    }
    case "HPE_URI_TOO_LONG":
      return answer(414, "URI too long", "uri_too_long");
    case "ERR_HTTP_REQUEST_TIMEOUT":
    case "ERR_HTTP_HEADERS_TIMEOUT":
      return answer(408, "Request timeout", "request_timeout");
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return answer(413, "Request body too large", "payload_too_large");
    default:
      return answer(400, "Bad request", "bad_request");
  }
}

/** Writes `clientErrorResponse` as a complete JSON answer and closes the connection. */
export function handleClientError(
  logger?: Logger,
): (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex) => void {
  return (err, socket) => {
    if (err.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    // An answer already under way on this socket cannot be followed by another one.
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const { status, body, code } = clientErrorResponse(err);
    logger?.info({ status, code, parserError: err.code }, "request refused by the HTTP parser");
    const text = JSON.stringify(body);
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\n` +
        "Content-Type: application/json; charset=utf-8\r\n" +
        `Content-Length: ${Buffer.byteLength(text)}\r\n` +
        "X-Content-Type-Options: nosniff\r\n" +
        `X-Error-Code: ${code}\r\n` +
        "Connection: close\r\n\r\n" +
        text,
    );
  };
}

const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;
/** Host names that can only mean this machine: honoured without PUBLIC_URL (a laptop, a test). */
const LOCAL_HOST = /^(localhost|[a-z0-9-]+\.localhost|127(\.\d{1,3}){3}|\[::1\])(:\d{1,5})?$/i;
/** What `npm start` serves; the origin used when PUBLIC_URL is unset and the request names no local host. */
export const DEFAULT_PUBLIC_ORIGIN = "http://localhost:6400";

/**
 * `<proto>://<host>` for the absolute URLs we hand out (task_url, result_url, Link). With `publicUrl` (the
 * PUBLIC_URL variable: the deployment knows its own address) always that origin, whatever the request says:
 * a client cannot choose the links another client is given. Without it, the gateway's X-Forwarded-Host/-Proto
 * (else our Host header) when it names a local host (localhost, 127.x.x.x, [::1]), else DEFAULT_PUBLIC_ORIGIN,
 * so neither a client's Host nor our internal address ends up in a link.
 */
export function publicOrigin(
  ctx: { get(name: string): string; protocol: string },
  publicUrl?: string | undefined,
): string {
  if (publicUrl !== undefined) return new URL(publicUrl).origin;
  const first = (name: string) => ctx.get(name).split(",")[0]?.trim() ?? "";
  const forwardedHost = first("x-forwarded-host");
  const host = HOST.test(forwardedHost) ? forwardedHost : ctx.get("host");
  if (!LOCAL_HOST.test(host)) return DEFAULT_PUBLIC_ORIGIN;
  const forwardedProto = first("x-forwarded-proto").toLowerCase();
  const proto = forwardedProto === "https" || forwardedProto === "http" ? forwardedProto : ctx.protocol;
  return `${proto}://${host.toLowerCase()}`;
}

export interface RunningServer {
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

/**
 * Listens on host:port (port 0 picks a free one) and closes gracefully: in-flight requests finish. `app` is a Koa
 * app or a plain request listener (the gateway puts its lean proxy path in front of Koa).
 */
export async function listen(
  app: Koa<RequestState> | RequestListener,
  port: number,
  host = "127.0.0.1",
  logger?: Logger,
): Promise<RunningServer> {
  const server = createServer(typeof app === "function" ? app : app.callback());
  // Parser-level errors get a JSON answer like every other error (Node's own has an empty body).
  server.on("clientError", handleClientError(logger));
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
