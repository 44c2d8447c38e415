// The fuzz tier: property-based tests (fast-check) through the gateway of a running system. Inputs are generated
// from the API's own schemas and bounds: invalid ones must get a JSON 4xx (never a 5xx or a hang) and change
// nothing; valid ones at the bounds must be accepted and round-trip. Every answer is checked against the OpenAPI
// document. Deterministic in CI: FUZZ_SEED (default 6400) and FUZZ_RUNS (default 60) are printed, and a failure
// prints the seed and the path to replay it (`FUZZ_SEED=<seed> npm test -- fuzz`).
import { describe, expect, it } from "@jest/globals";
import { bounds } from "@taskoverflow/contracts";
import fc from "fast-check";
import { badCreate, badCreates, badRawBody, extraKey, goodText } from "./api.fuzz.arbitraries.ts";
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
