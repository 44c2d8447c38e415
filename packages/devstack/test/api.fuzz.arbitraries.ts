// The fuzz tier's input generators (api.fuzz.test.ts), from the API's own schemas and bounds: what the API must
// refuse (by what is wrong with it) and what it must accept at the bounds.
import { bounds, FORBIDDEN_CONTROL, WRITABLE_FIELDS } from "@taskoverflow/contracts";
import fc from "fast-check";

const forbiddenControl = fc.constantFrom(
  ...[...Array(32).keys()].filter((c) => c !== 9 && c !== 10).map((c) => String.fromCharCode(c)),
  "\u007f",
);
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
/** A string the text rules refuse: too long, or with a forbidden control character or a lone surrogate inside. */
const badText = (max: number, min: number) =>
  fc.oneof(
    fc.string({ unit: "grapheme-ascii", minLength: max + 1, maxLength: max + 40 }),
    fc.string({ unit: "binary", minLength: max + 1, maxLength: max + 5 }).filter((s) => [...s].length > max),
    fc
      .tuple(
        fc.string({ maxLength: 10 }),
        fc.oneof(forbiddenControl, loneSurrogate),
        fc.string({ maxLength: 10 }),
      )
      .map(([a, bad, b]) => a + bad + b),
    ...(min > 0 ? [fc.constant("")] : []),
  );
const notAString = fc.oneof(fc.integer(), fc.boolean(), fc.constant([]), fc.constant({}), fc.double());
const notABoolean = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constant([]));
const badDeadline = fc.oneof(
  fc.string({ maxLength: 30 }).filter((s) => !/^\d{4}-\d{2}-\d{2}/.test(s)),
  fc.constantFrom(
    "2023-02-30T00:00:00",
    "2023-13-01",
    "0000-01-01T00:00:00",
    "2023-01-01T24:00:00",
    "9999-12-31T23:59:59-01:00",
  ),
  fc.integer(),
  fc.constant(true),
);
export const extraKey = fc
  .string({ minLength: 1, maxLength: 12 })
  .filter((k) => !(WRITABLE_FIELDS as readonly string[]).includes(k));

/** Create bodies the API must refuse, by what is wrong with them (each kind gets its own runs). */
export const badCreates = {
  "a bad title": fc.record({ title: badText(bounds.title.max, bounds.title.min) }),
  "a title that is not a string": fc.record({ title: notAString }),
  "no title": fc.record({ description: fc.string() }),
  "a bad description": fc.record({
    title: fc.constant("ok"),
    description: fc.oneof(badText(bounds.description.max, 0), notAString),
  }),
  "a completed that is not a boolean": fc.record({ title: fc.constant("ok"), completed: notABoolean }),
  "a bad deadline": fc.record({ title: fc.constant("ok"), deadline_at: badDeadline }),
  "an extra field": fc.oneof(
    fc.tuple(extraKey, fc.jsonValue()).map(([k, v]) => ({ title: "ok", [k]: v })),
    fc.constantFrom({ title: "ok", id: 1 }, { title: "ok", created_at: "2023-01-01" }),
  ),
} as const;
export const badCreate = fc.oneof(...Object.values(badCreates));
/** Bytes that are not a JSON object: other JSON values, broken JSON, invalid UTF-8. */
export const badRawBody = fc.oneof(
  fc
    .oneof(fc.jsonValue(), fc.constant(null))
    .filter((v) => typeof v !== "object" || v === null || Array.isArray(v))
    .map((v) => JSON.stringify(v) ?? "null"),
  fc.string({ maxLength: 40 }).map((s) => `{${s}`),
  fc
    .uint8Array({ minLength: 1, maxLength: 20 })
    .map((b) => Buffer.concat([Buffer.from('{"title":"'), Buffer.from([0xff, ...b]), Buffer.from('"}')])),
);

export const goodText = (min: number, max: number) =>
  fc.string({ unit: "grapheme", minLength: min, maxLength: max }).filter((s) => {
    const n = [...s].length;
    return n >= min && n <= max && s.isWellFormed() && !FORBIDDEN_CONTROL.test(s);
  });
