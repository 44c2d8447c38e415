import { prettyFactory } from "pino-pretty";

/** Turns a service's pino JSON lines into readable, service-prefixed lines for a terminal. */
export function prettyLines(color: boolean): (line: string) => string {
  const pretty = prettyFactory({
    colorize: color,
    translateTime: "SYS:HH:MM:ss.l",
    ignore: "pid,hostname",
    messageKey: "msg",
    singleLine: true,
  });
  return (line) => {
    if (!line.startsWith("{")) return `${line}\n`;
    try {
      return pretty(JSON.parse(line));
    } catch {
      return `${line}\n`;
    }
  };
}
