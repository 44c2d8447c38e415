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
