import { TIMESTAMP_INPUT } from "@taskoverflow/contracts";

/**
 * Timestamps as the course's Python wrote them: naive UTC, `YYYY-MM-DDTHH:MM:SS`, then `.ffffff`
 * (microseconds) only when the fraction is not zero. Strings in this form are also what we hand to
 * PostgreSQL for `timestamp` (without time zone) columns, so no session time zone ever applies.
 */

// Date, then optionally a time (T or space), fraction (any digits, truncated to microseconds like
// Python 3.11+), and an offset (Z, ±HH, ±HHMM, ±HH:MM) which is only allowed after a time. The API's schema
// (in contracts, and so the OpenAPI document) states the same form.
const ISO_INPUT = TIMESTAMP_INPUT;

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

function daysInMonth(year: number, month: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, 0);
  return d.getUTCDate();
}

function format(date: Date, micros: number): string {
  const base =
    `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return micros === 0 ? base : `${base}.${pad(micros, 6)}`;
}

/**
 * Parses a deadline as the API accepts it and returns it normalised to naive UTC, or undefined when the
 * text is not a valid timestamp. Offsets are converted to UTC; years stay within 1..9999 (Python's range).
 */
export function parseTimestamp(text: string): string | undefined {
  const m = ISO_INPUT.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = "0", mi = "0", s = "0", fraction = "", offset] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (offset !== undefined && offset.toUpperCase() !== "Z") {
    const digits = offset.slice(1).replace(":", "");
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2) || "0");
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (offset.startsWith("-") ? -1 : 1) * (oh * 60 + om);
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute - offsetMinutes, second, 0);
  const utcYear = date.getUTCFullYear();
  if (utcYear < 1 || utcYear > 9999) return undefined;
  const micros = Number(fraction.slice(0, 6).padEnd(6, "0"));
  return format(date, micros);
}

/** A JavaScript Date (millisecond precision) as naive UTC in the API's format. */
export function formatTimestamp(date: Date): string {
  return format(date, date.getUTCMilliseconds() * 1000);
}

const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * The upper bound of `?window=N`: now + N days, or undefined when that lies beyond any deadline we can
 * store (year 9999), in which case every todo with a deadline matches.
 */
export function windowCutoff(now: Date, days: number): string | undefined {
  const ms = now.getTime() + days * 86_400_000;
  if (!Number.isFinite(ms) || ms > LATEST) return undefined;
  return formatTimestamp(new Date(ms));
}
