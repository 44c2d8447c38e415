// The fuzz tier: property-based tests (fast-check) through the gateway of a running system. Inputs are generated
// from the API's own schemas and bounds: invalid ones must get a JSON 4xx (never a 5xx or a hang) and change
// nothing; valid ones at the bounds must be accepted and round-trip. Every answer is checked against the OpenAPI
// document. Deterministic in CI: FUZZ_SEED (default 6400) and FUZZ_RUNS (default 60) are printed, and a failure
// prints the seed and the path to replay it (`FUZZ_SEED=<seed> npm test -- fuzz`).
import { describe, expect, it } from "@jest/globals";
import { bounds, FORBIDDEN_CONTROL, WRITABLE_FIELDS } from "@taskoverflow/contracts";
import fc from "fast-check";
import { startTestStack } from "./test-stack.ts";

const seed = Number(process.env.FUZZ_SEED ?? 6400);
const numRuns = Number(process.env.FUZZ_RUNS ?? 60);
const settings = { seed, numRuns, endOnFailure: true } as const;
process.stderr.write(`[fuzz] seed ${seed}, ${numRuns} runs per property\n`);

// The calendar service answers the subscribed feed.
const system = startTestStack({ services: ["todo", "calendar", "gateway"], logLevel: "warn" }, 120_000);

/** One request with a deadline: a hang is a failure, not a stuck test. */
const send = (path: string, init: RequestInit = {}) =>
  system.apiFetch(`${system.stack.gatewayUrl}/api/v1${path}`, {
    ...init,
    signal: AbortSignal.timeout(5_000),
  });
const json = (method: string, path: string, body: string | Uint8Array) =>
  send(path, { method, headers: { "content-type": "application/json" }, body });

async function expectClientError(res: Response): Promise<void> {
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  const body = (await res.json()) as Record<string, unknown>;
  expect(Object.keys(body)).toEqual(["error"]);
  expect(typeof body.error).toBe("string");
}

const snapshot = async () => (await (await send("/todos")).text()) as string;

// ---- generators, from the schemas' bounds ----

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
const extraKey = fc
  .string({ minLength: 1, maxLength: 12 })
  .filter((k) => !(WRITABLE_FIELDS as readonly string[]).includes(k));

/** Create bodies the API must refuse, by what is wrong with them (each kind gets its own runs). */
const badCreates = {
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
const badCreate = fc.oneof(...Object.values(badCreates));
/** Bytes that are not a JSON object: other JSON values, broken JSON, invalid UTF-8. */
const badRawBody = fc.oneof(
  fc
    .oneof(fc.jsonValue(), fc.constant(null))
    .filter((v) => typeof v !== "object" || v === null || Array.isArray(v))
    .map((v) => JSON.stringify(v) ?? "null"),
  fc.string({ maxLength: 40 }).map((s) => `{${s}`),
  fc
    .uint8Array({ minLength: 1, maxLength: 20 })
    .map((b) => Buffer.concat([Buffer.from('{"title":"'), Buffer.from([0xff, ...b]), Buffer.from('"}')])),
);

const goodText = (min: number, max: number) =>
  fc.string({ unit: "grapheme", minLength: min, maxLength: max }).filter((s) => {
    const n = [...s].length;
    return n >= min && n <= max && s.isWellFormed() && !FORBIDDEN_CONTROL.test(s);
  });

describe("the API under generated input", () => {
  it.each([...Object.entries(badCreates), ["a body that is not a JSON object", badRawBody] as const])(
    "refuses every create with %s: a JSON 4xx, and stores nothing",
    async (_kind, arbitrary) => {
      const before = await snapshot();
      const bodies = (arbitrary as fc.Arbitrary<unknown>).map((b) =>
        typeof b === "string" || b instanceof Uint8Array ? b : JSON.stringify(b),
      );
      await fc.assert(
        fc.asyncProperty(bodies, async (body) => {
          await expectClientError(await json("POST", "/todos", body));
        }),
        settings,
      );
      expect(await snapshot()).toBe(before);
    },
  );

  it("refuses every invalid update with a JSON 4xx and leaves the todo as it was", async () => {
    const created = await json("POST", "/todos", JSON.stringify({ title: "target", description: "d" }));
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: number };
    const before = await snapshot();
    const badUpdate = fc.oneof(
      badCreate.filter((b) => "title" in b || Object.keys(b).some((k) => !["description"].includes(k))),
      fc.constant({ id: 2 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          badUpdate.map((b) => JSON.stringify(b)),
          badRawBody,
        ),
        async (body) => {
          await expectClientError(await json("PUT", `/todos/${id}`, body));
        },
      ),
      settings,
    );
    expect(await snapshot()).toBe(before);
  });

  it("answers any query string of the list with 200 or a JSON 400, never more", async () => {
    const param = fc.constantFrom("completed", "window", "limit", "after", "other");
    const value = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.integer().map(String),
      fc.constant("9".repeat(40)),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(param, value), { maxLength: 4 }), async (pairs) => {
        const query = new URLSearchParams(pairs).toString();
        const res = await send(`/todos?${query}`);
        if (res.status === 200) {
          expect(Array.isArray(await res.json())).toBe(true);
          return;
        }
        expect(res.status).toBe(400);
        await expectClientError(res);
      }),
      settings,
    );
  });

  it("answers any query string of the subscribed feed with the calendar or a JSON 400, never more", async () => {
    const param = fc.constantFrom("completed", "window", "other");
    const value = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.integer().map(String),
      fc.constantFrom("true", "false", "0", "7", "9".repeat(40)),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(param, value), { maxLength: 4 }), async (pairs) => {
        const query = new URLSearchParams(pairs).toString();
        const res = await send(`/todos/calendar.ics?${query}`);
        if (res.status === 200) {
          expect(res.headers.get("content-type")).toBe("text/calendar; charset=utf-8");
          expect(await res.text()).toMatch(/^BEGIN:VCALENDAR\r\n[\s\S]*END:VCALENDAR\r\n$/);
          return;
        }
        expect(res.status).toBe(400);
        await expectClientError(res);
      }),
      settings,
    );
  });

  it("refuses every invalid export filter with a JSON 4xx", async () => {
    const badFilter = fc.oneof(
      fc.record({
        completed: fc.oneof(
          fc.string().filter((s) => s !== "true" && s !== "false"),
          fc.integer(),
        ),
      }),
      fc.record({
        window: fc.oneof(
          fc.integer({ max: -1 }),
          fc.double({ noInteger: true }),
          fc.string().filter((s) => !/^\d+$/.test(s)),
        ),
      }),
      fc
        .tuple(
          extraKey.filter((k) => k !== "completed" && k !== "window"),
          fc.jsonValue(),
        )
        .map(([k, v]) => ({ [k]: v })),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          badFilter.map((b) => JSON.stringify(b)),
          badRawBody.filter((b) => typeof b !== "string" || b !== "null"),
        ),
        async (body) => {
          await expectClientError(await json("POST", "/todos/ical", body));
        },
      ),
      settings,
    );
  });

  it("accepts every valid todo up to the bounds, and reads it back as sent", async () => {
    await fc.assert(
      fc.asyncProperty(
        goodText(bounds.title.min, bounds.title.max),
        fc.option(goodText(0, bounds.description.max)),
        fc.boolean(),
        async (title, description, completed) => {
          const res = await json("POST", "/todos", JSON.stringify({ title, description, completed }));
          expect(res.status).toBe(201);
          const todo = (await res.json()) as { id: number; title: string; description: string | null };
          expect(todo).toMatchObject({ title, description, completed });
          const back = await send(`/todos/${todo.id}`);
          expect(await back.json()).toMatchObject({ title, description, completed });
        },
      ),
      { ...settings, numRuns: Math.max(10, Math.floor(numRuns / 2)) },
    );
  });
});
