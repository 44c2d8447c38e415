// enqueueEventOnce / enqueueEventsOnce: the inbox rows and the outbox rows in one statement, once per (consumer,
// source event).
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createEvent } from "@taskoverflow/contracts";
import { createLogger } from "@taskoverflow/platform";
import { createTestDatabase, type TestDatabase } from "@taskoverflow/test-harness";
import { sql } from "kysely";
import { enqueueEventOnce, enqueueEventsOnce } from "../src/index.ts";
import { openTestDb, type TestDb } from "./pipeline.ts";

const log = createLogger({ service: "outbox-once-test", level: "silent" });
const started = () =>
  createEvent(
    "CalendarStarted",
    { jobId: crypto.randomUUID() },
    { correlationId: "o", producer: "calendar" },
  );

describe.each([
  ["PostgreSQL", true],
  ["PGlite", false],
])("enqueueEventOnce on %s", (_name, server) => {
  let testDb: TestDatabase | undefined;
  let db: TestDb;
  let close: () => Promise<void>;

  beforeAll(async () => {
    testDb = server ? await createTestDatabase() : undefined;
    ({ db, close } = await openTestDb(testDb?.url, log));
  });
  afterAll(async () => {
    await close();
    await testDb?.drop();
  });

  const outboxRows = async (eventIds: string[]) =>
    (
      await sql<{ event_id: string; body: string }>`
        SELECT event_id::text, body FROM outbox WHERE event_id = ANY(${eventIds}::uuid[])`.execute(db)
    ).rows;

  it("writes the event once per source event, however often and concurrently it is asked", async () => {
    const source = crypto.randomUUID();
    const attempts = [started(), started(), started(), started()];
    const outcomes = await Promise.all(
      attempts.map((e) => enqueueEventOnce(db, { consumer: "c", eventId: source }, e)),
    );
    expect(outcomes.filter((o) => o === "processed")).toHaveLength(1);
    const rows = await outboxRows(attempts.map((e) => e.id));
    expect(rows).toHaveLength(1);
    const written = attempts[outcomes.indexOf("processed")];
    expect(rows[0]?.event_id).toBe(written?.id);
    expect(JSON.parse(rows[0]?.body ?? "{}")).toEqual(written);
    expect(await enqueueEventOnce(db, { consumer: "c", eventId: source }, started())).toBe("duplicate");
  });

  it("keeps consumers apart: the same source event once for each", async () => {
    const source = crypto.randomUUID();
    const [a, b] = [started(), started()];
    expect(await enqueueEventOnce(db, { consumer: "step:a", eventId: source }, a)).toBe("processed");
    expect(await enqueueEventOnce(db, { consumer: "step:b", eventId: source }, b)).toBe("processed");
    expect(await outboxRows([a.id, b.id])).toHaveLength(2);
  });

  it("writes nothing in the inbox when the outbox row cannot be written", async () => {
    const source = crypto.randomUUID();
    const e = started();
    expect(await enqueueEventOnce(db, { consumer: "c", eventId: source }, e)).toBe("processed");
    // The same event id again (a unique key): the statement fails as a whole, so the inbox row goes too.
    const other = crypto.randomUUID();
    await expect(enqueueEventOnce(db, { consumer: "c", eventId: other }, e)).rejects.toThrow();
    const inbox = await sql`SELECT 1 FROM processed_events WHERE event_id = ${other}::uuid`.execute(db);
    expect(inbox.rows).toHaveLength(0);
  });

  it("writes several steps in one statement, in the order given, each once", async () => {
    const source = crypto.randomUUID();
    // Many rows, so that an order the statement did not enforce would show.
    const steps = Array.from({ length: 40 }, (_, n) => ({ consumer: `step:${n}`, event: started() }));
    const outcomes = await enqueueEventsOnce(db, source, steps);
    expect(outcomes).toEqual(steps.map(() => "processed"));
    const { rows } = await sql<{ event_id: string }>`
      SELECT event_id::text FROM outbox WHERE event_id = ANY(${steps.map((s) => s.event.id)}::uuid[])
      ORDER BY id`.execute(db);
    expect(rows.map((r) => r.event_id)).toEqual(steps.map((s) => s.event.id));
    const xids = await sql<{ n: string }>`
      SELECT count(DISTINCT xid)::text AS n FROM outbox
      WHERE event_id = ANY(${steps.map((s) => s.event.id)}::uuid[])`.execute(db);
    expect(xids.rows[0]?.n).toBe("1");
  });

  it("skips the steps already written and writes the others", async () => {
    const source = crypto.randomUUID();
    const first = started();
    expect(await enqueueEventOnce(db, { consumer: "step:a", eventId: source }, first)).toBe("processed");
    const [again, next] = [started(), started()];
    const outcomes = await enqueueEventsOnce(db, source, [
      { consumer: "step:a", event: again },
      { consumer: "step:b", event: next },
    ]);
    expect(outcomes).toEqual(["duplicate", "processed"]);
    expect((await outboxRows([first.id, again.id, next.id])).map((r) => r.event_id).sort()).toEqual(
      [first.id, next.id].sort(),
    );
  });
});
