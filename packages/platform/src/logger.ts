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
