// Publishing tracked by a watermark (outbox_head.published_through) instead of a per-row published_at: it moves
// over the contiguous accepted prefix of a batch only (accepted rows after a refused one go out again, with the
// same sequences); cleanup deletes rows at or below it and no others; migrating a v2 outbox starts it below the
// first numbered row that was not published.
import { describe, expect, it } from "@jest/globals";
import { createEvent, type DomainEvent } from "@taskoverflow/contracts";
import { createLogger, migrate, openDatabase } from "@taskoverflow/platform";
import { createTestDatabase, waitFor } from "@taskoverflow/test-harness";
import { sql } from "kysely";
import {
  createOutboxRelay,
  type EventPublisher,
  outboxMigration,
  outboxV2Migration,
  outboxV3Migration,
  PartialPublishError,
} from "../src/index.ts";
import { deletePublished } from "../src/outbox/outbox.sequencer.ts";
import { useTestDb } from "./backbone.ts";
import { createTodo, type TestDb } from "./pipeline.ts";

const log = createLogger({ service: "watermark-test", level: "silent" });

const head = async (db: TestDb) =>
  (
    await sql<{ s: string; p: string }>`
      SELECT sequence::text AS s, published_through::text AS p FROM outbox_head`.execute(db)
  ).rows[0];

describe("the outbox publishing watermark", () => {
  const testDb = useTestDb(log);
  const reset = async () => {
    await sql`TRUNCATE outbox, todos_test`.execute(testDb.db);
    await sql`UPDATE outbox_head SET sequence = 0, published_through = 0`.execute(testDb.db);
  };

  it("moves over the accepted prefix only; what follows a refused event goes out again", async () => {
    await reset();
    const db = testDb.db;
    const events: DomainEvent[] = [];
    for (let i = 0; i < 5; i++) events.push(await createTodo(db, `w${i}`));
    const calls: number[][] = [];
    let refuse = events[2]?.id;
    const publisher: EventPublisher = {
      async publish(batch) {
        calls.push(batch.map((e) => e.sequence as number));
        const refused = batch.filter((e) => e.id === refuse);
        refuse = undefined;
        if (refused.length === 0) return;
        throw new PartialPublishError(
          batch.filter((e) => !refused.includes(e)).map((e) => e.id),
          refused.map((e) => ({ id: e.id, reason: "InternalError: try again" })),
        );
      },
    };
    const relay = createOutboxRelay({
      db,
      log,
      publisher,
      pollIntervalMs: 50,
      retryBaseMs: 20,
      retryMaxMs: 40,
    });
    await relay.start();
    try {
      await waitFor(async () => (await head(db))?.p === "5", { what: "the watermark at 5" });
    } finally {
      await relay.stop();
    }
    // 1, 2 accepted; 3 refused; 4 and 5 accepted but after the gap: all three again, in order.
    expect(calls).toEqual([
      [1, 2, 3, 4, 5],
      [3, 4, 5],
    ]);
    const { rows } = await sql<{ sequence: string; attempts: number; last_error: string | null }>`
      SELECT sequence::text, attempts, last_error FROM outbox ORDER BY sequence`.execute(db);
    expect(rows.map((r) => [r.sequence, r.attempts, r.last_error !== null])).toEqual([
      ["1", 0, false],
      ["2", 0, false],
      ["3", 1, true],
      ["4", 0, false],
      ["5", 0, false],
    ]);
  });

  it("claims the next pass while the previous one publishes, and marks them in claim order", async () => {
    await reset();
    const db = testDb.db;
    for (let i = 0; i < 4; i++) await createTodo(db, `p${i}`);
    // The first publish is held until a second one has begun: without overlapping passes it never would.
    const calls: number[][] = [];
    const marks: string[] = [];
    let releaseFirst!: () => void;
    const firstHeld = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    const publisher: EventPublisher = {
      async publish(batch) {
        calls.push(batch.map((e) => e.sequence as number));
        if (calls.length === 1) await firstHeld;
        else marks.push((await head(db))?.p ?? "?");
      },
    };
    const relay = createOutboxRelay({ db, log, publisher, batchSize: 2, pollIntervalMs: 50 });
    await relay.start();
    try {
      await waitFor(() => calls.length === 2, { what: "the second pass out while the first publishes" });
      // The second pass is done publishing, but its mark waits for the first pass's.
      expect((await head(db))?.p).toBe("0");
      releaseFirst();
      await waitFor(async () => (await head(db))?.p === "4", { what: "the watermark at 4" });
    } finally {
      releaseFirst();
      await relay.stop();
    }
    expect(calls).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(marks).toEqual(["0"]);
  });

  it("marks nothing after a failed pass: the pass claimed behind it goes out again", async () => {
    await reset();
    const db = testDb.db;
    for (let i = 0; i < 4; i++) await createTodo(db, `f${i}`);
    const calls: number[][] = [];
    let failFirst!: (err: Error) => void;
    const firstFails = new Promise<void>((_, reject) => {
      failFirst = reject;
    });
    const publisher: EventPublisher = {
      async publish(batch) {
        calls.push(batch.map((e) => e.sequence as number));
        if (calls.length === 1) await firstFails;
      },
    };
    const relay = createOutboxRelay({
      db,
      log,
      publisher,
      batchSize: 2,
      pollIntervalMs: 50,
      retryBaseMs: 20,
      retryMaxMs: 40,
    });
    await relay.start();
    try {
      // The second pass published while the first still waits; then the first fails.
      await waitFor(() => calls.length === 2, { what: "the second pass out" });
      failFirst(new Error("SNS is down"));
      await waitFor(async () => (await head(db))?.p === "4", { what: "the watermark at 4" });
    } finally {
      await relay.stop();
    }
    // The second pass's accepted rows were not marked past the refused ones: all four went out again.
    expect(calls.slice(0, 2)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(calls.slice(2).flat()).toEqual([1, 2, 3, 4]);
  });

  it("cleans up rows at or below the watermark, once old enough", async () => {
    await reset();
    const db = testDb.db;
    for (let i = 0; i < 3; i++) await createTodo(db, `c${i}`);
    const relay = createOutboxRelay({ db, log, publisher: { publish: async () => {} }, pollIntervalMs: 50 });
    await relay.start();
    try {
      await waitFor(async () => (await head(db))?.p === "3", { what: "3 events published" });
    } finally {
      await relay.stop();
    }
    // 3 numbered but (as if its mark was lost) above the watermark; one more not numbered at all.
    await sql`UPDATE outbox_head SET published_through = 2`.execute(db);
    await createTodo(db, "not numbered");
    const left = async () =>
      (
        await sql<{ s: string | null }>`SELECT sequence::text AS s FROM outbox ORDER BY id`.execute(db)
      ).rows.map((r) => r.s);
    expect(await deletePublished(db, 3600_000)).toBe(0);
    expect(await deletePublished(db, 0)).toBe(2);
    expect(await left()).toEqual(["3", null]);
  });
});

describe("outbox migration v2 -> v3", () => {
  it("starts the watermark below the first numbered row not published", async () => {
    const server = await createTestDatabase();
    const database = await openDatabase<unknown>({ url: server.url, dataDir: "memory" }, log);
    try {
      const { db } = database;
      const v2 = { "001_outbox": outboxMigration, "002_outbox_v2": outboxV2Migration };
      await migrate(db, v2, log);
      // v2 state: 1 published, 2 numbered but not published, 3 published (a later batch), 4 not numbered yet.
      for (const [sequence, published] of [
        [1, true],
        [2, false],
        [3, true],
        [null, false],
      ] as const) {
        const e = createEvent(
          "CalendarStarted",
          { jobId: crypto.randomUUID() },
          { correlationId: "m", producer: "todo" },
        );
        await sql`INSERT INTO outbox (sequence, event_id, type, body, published_at)
          VALUES (${sequence}, ${e.id}, ${e.type}, ${JSON.stringify(e)}, ${published ? sql`now()` : sql`NULL`})`.execute(
          db,
        );
      }
      await sql`UPDATE outbox_head SET sequence = 3`.execute(db);
      await migrate(db, { ...v2, "003_outbox_v3": outboxV3Migration }, log);
      expect(await head(db as TestDb)).toEqual({ s: "3", p: "1" });

      const published: number[] = [];
      const relay = createOutboxRelay({
        db,
        log,
        publisher: {
          publish: async (events) => void published.push(...events.map((e) => e.sequence as number)),
        },
        pollIntervalMs: 50,
      });
      await relay.start();
      try {
        await waitFor(async () => (await head(db as TestDb))?.p === "4", { what: "the watermark at 4" });
      } finally {
        await relay.stop();
      }
      expect(published).toEqual([2, 3, 4]);
    } finally {
      await database.close();
      await server.drop();
    }
  });
});
