import { createColors } from "picocolors";

/** Groups the messages that carry no `client` attribute. */
export const UNKNOWN_CLIENT = "(unknown)";

/** The body the sender puts on message `index`: exactly the course's `"{prepend}Message {i}"`. */
export function messageBody(prepend: string, index: number): string {
  return `${prepend}Message ${index}`;
}

/** Splits a body back into the sender's prepend text and the index; undefined for any other body. */
export function parseBody(body: string): { prefix: string; index: number } | undefined {
  const match = /^([\s\S]*)Message (\d+)$/.exec(body);
  if (!match) return undefined;
  const index = Number(match[2]);
  return Number.isSafeInteger(index) ? { prefix: match[1] ?? "", index } : undefined;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** `HH:MM:SS` in local time, as the original printed it. */
export function clockTime(at: Date): string {
  return `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
}

const PALETTE = ["cyan", "magenta", "yellow", "green", "blue", "red"] as const;

/** The same client always gets the same colour, so interleaved senders are easy to tell apart. */
export function clientColor(client: string): (typeof PALETTE)[number] {
  let hash = 0;
  for (const ch of client) hash = (hash * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
  return PALETTE[hash % PALETTE.length] ?? "cyan";
}

/** One receiver line: `[HH:MM:SS] Client 1: Message 7`, coloured only when `color` is true. */
export function logLine(at: Date, client: string | undefined, body: string, color: boolean): string {
  const c = createColors(color);
  const who = client ?? UNKNOWN_CLIENT;
  return `${c.dim(`[${clockTime(at)}]`)} ${c[clientColor(who)](`${who}:`)} ${body}`;
}
