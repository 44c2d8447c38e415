import { z } from "zod";

/**
 * The bounds every request and every event share: the API refuses what an event could not carry, and the
 * event schemas refuse the same, so an accepted request can never become an invalid event.
 */
export const bounds = {
  title: { min: 1, max: 80 },
  description: { min: 0, max: 120 },
  /**
   * `window` in days. Deadlines end at 9999-12-31, so any window from today past 3,000,000 days (year ~10240)
   * already matches every deadline: larger values are taken as this one (same result, and an event can carry it).
   */
  windowDaysMax: 3_000_000,
  /** `limit` of a list page. */
  pageLimit: { min: 1, max: 1000 },
  /** Todo ids are PostgreSQL int4. */
  idMax: 2_147_483_647,
} as const;

/**
 * C0 control characters other than tab and line feed, and DEL. RFC 5545 forbids them in TEXT values (a
 * calendar could not carry them), PostgreSQL text cannot hold NUL; CR is refused too (line breaks are `\n`).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
export const FORBIDDEN_CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F]/;
/** The same rule as a JSON Schema `pattern` (for the OpenAPI document). */
export const TEXT_PATTERN = "^[^\\u0000-\\u0008\\u000B-\\u001F\\u007F]*$";

/** Length in characters (code points), as PostgreSQL's varchar and JSON Schema's maxLength count them. */
export const codePoints = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/** Why a text is refused, or undefined when it is fine. */
export function textProblem(
  s: string,
  min: number,
  max: number,
): "length" | "unicode" | "control" | undefined {
  // A lone surrogate (from a JSON \ud800 escape) is not a character: it cannot be stored or sent as UTF-8.
  if (!s.isWellFormed()) return "unicode";
  if (FORBIDDEN_CONTROL.test(s)) return "control";
  const length = codePoints(s);
  return length >= min && length <= max ? undefined : "length";
}

/**
 * A bounded text field, with messages naming `field`. Its JSON Schema says the same (minLength/maxLength count
 * code points in JSON Schema too, and the pattern refuses the control characters).
 */
export function boundedText(field: string, { min, max }: { min: number; max: number }) {
  const lengthMessage =
    min > 0 ? `${field} must be ${min} to ${max} characters` : `${field} must be at most ${max} characters`;
  return z
    .string({ error: `${field} must be a string` })
    .superRefine((value, ctx) => {
      const problem = textProblem(value, min, max);
      if (problem === undefined) return;
      const message =
        problem === "unicode"
          ? `${field} must be valid Unicode (no lone surrogates)`
          : problem === "control"
            ? `${field} must not contain control characters (tab and newline are allowed)`
            : lengthMessage;
      ctx.addIssue({ code: "custom", message });
    })
    .meta({ minLength: min, maxLength: max, pattern: TEXT_PATTERN });
}
