import { type LevelWithSilent, type Logger, pino } from "pino";

export type { Logger } from "pino";

export interface LoggerOptions {
  service: string;
  level?: LevelWithSilent;
  /** Where to write; defaults to stdout. Tests pass a stream to read the log lines back. */
  destination?: pino.DestinationStream;
}

/** One JSON line per event: `{ level, time, service, correlationId?, msg, ... }`. */
export function createLogger({ service, level = "info", destination }: LoggerOptions): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * Koa's "error" listener for errors after an answer started (a backend hanging up mid-body): they can only be
 * logged. A client leaving an event stream ends it as a "premature close": expected, nobody to tell (debug).
 */
export function lateErrorLogger(logger: Logger): (err: NodeJS.ErrnoException) => void {
  return (err) => {
    if (err.code === "ERR_STREAM_PREMATURE_CLOSE") logger.debug({ err }, "client left a stream");
    else logger.warn({ err }, "response failed after it started");
  };
}

/**
 * The one line every request logs when it is answered (Koa's `requestMiddleware` and the gateway's lean path).
 * `correlationId` is for a logger that does not carry it already (the same line as a child logger's).
 */
export function logRequest(
  log: Logger,
  request: { method: string; path: string; status: number },
  startedAt: number,
  correlationId?: string,
): void {
  if (!log.isLevelEnabled("info")) return;
  const ms = Math.round((performance.now() - startedAt) * 10) / 10;
  const { method, path, status } = request;
  if (correlationId === undefined) log.info({ method, path, status, ms }, "request");
  else log.info({ correlationId, method, path, status, ms }, "request");
}

/** How an error answer is logged: a 5xx with its error (stack, cause), a 4xx at debug with its code. */
export function logErrorAnswer(
  log: Logger,
  err: unknown,
  answer: { status: number; body: { error: string }; code: string },
): void {
  if (answer.status >= 500) log.error({ err, code: answer.code }, "request failed");
  else log.debug({ err: { message: answer.body.error, code: answer.code } }, "request rejected");
}
