// Named prepared statements (platform's executePrepared): on a PostgreSQL server the statements run through it
// are prepared once per connection and reused; other statements are not; the inbox and outbox statements on a
// calendar job's path are among them; a schema change does not break them;
// the relay's claim and mark are prepared on the leader's session, which plans each call. On PGlite the same
// calls run unnamed.
import { describe, expect, it } from "@jest/globals";
import { createEvent } from "@taskoverflow/contracts";
import { createLogger, executePrepared, openDatabase } from "@taskoverflow/platform";
import { type Kysely, sql } from "kysely";
import { enqueueEventsOnce, processAllOnceInOneStatementAnswering } from "../src/index.ts";
import { claimBatch, markPublished } from "../src/outbox/outbox.sequencer.ts";
import { createLeadership, sequencerSessionsFor } from "../src/outbox/outbox.session.ts";
import { useTestDb } from "./backbone.ts";
import { createTodo, openTestDb, type TestDb } from "./pipeline.ts";

const log = createLogger({ service: "prepared-test", level: "silent" });

/** The session's prepared statements (name and text) whose text mentions `marker`. */
const preparedOn = async (session: Kysely<unknown>, marker: string) =>
  (
    await sql<{ name: string; statement: string }>`
      SELECT name, statement FROM pg_prepared_statements
      WHERE statement LIKE ${`%${marker}%`} AND statement NOT LIKE '%pg_prepared_statements%'`.execute(
      session,
    )
  ).rows;

describe("named prepared statements on PostgreSQL", () => {
  const testDb = useTestDb(log);

  it("prepares a statement run through executePrepared once per connection and reuses it", async () => {
    const database = await openDatabase<unknown>({ url: testDb.url, dataDir: "memory", poolSize: 1 }, log);
    try {
      await database.db.connection().execute(async (session) => {
        const marker = `prepared_${crypto.randomUUID().slice(0, 8)}`;
        const answers: number[] = [];
        for (const n of [1, 2, 3])
          answers.push(
            Number(
              (
                await executePrepared(
                  session,
                  sql<{ n: number }>`SELECT ${n}::int + 1 AS n, ${sql.lit(marker)} AS m`,
                )
              ).rows[0]?.n,
            ),
          );
        expect(answers).toEqual([2, 3, 4]);
        const prepared = await preparedOn(session, marker);
        expect(prepared).toHaveLength(1);
        expect(prepared[0]?.name).toMatch(/^taskoverflow_\d+$/);

        // A statement run the ordinary way stays unnamed.
        const other = `plain_${crypto.randomUUID().slice(0, 8)}`;
        await sql`SELECT ${1}::int AS n, ${sql.lit(other)} AS m`.execute(session);
        expect(await preparedOn(session, other)).toEqual([]);
      });
    } finally {
      await database.close();
    }
  });

  it("prepares the statements on a job's path: an inbox claim with its effects, and the outbox's steps once", async () => {
    // job-status applies a job's events through processAllOnceInOneStatementAnswering and the calendar writes a
    // job's outcome through enqueueEventsOnce: each is a statement on every job's path, planned once per
    // connection rather than on every call.
    const database = await openDatabase<unknown>({ url: testDb.url, dataDir: "memory", poolSize: 1 }, log);
    try {
      await database.db.connection().execute(async (session) => {
        const db = session as unknown as TestDb;
        const marker = `job_path_${crypto.randomUUID().slice(0, 8)}`;
        for (const n of [1, 2]) {
          const entries = [{ consumer: marker, eventId: crypto.randomUUID() }];
          const { processed, answer } = await processAllOnceInOneStatementAnswering(
            db,
            entries,
            sql`, effect AS (SELECT ${n}::int AS n FROM claimed)`,
            sql<{ n: number | null }>`, (SELECT n FROM effect) AS n`,
          );
          expect([...processed]).toEqual(entries.map((e) => e.eventId));
          expect(answer.n).toBe(n);
          const event = createEvent(
            "CalendarStarted",
            { jobId: crypto.randomUUID() },
            { correlationId: marker, producer: "calendar" },
          );
          expect(await enqueueEventsOnce(db, crypto.randomUUID(), [{ consumer: marker, event }])).toEqual([
            "processed",
          ]);
        }
        const prepared = [
          ...(await preparedOn(session, "WITH inbox AS (INSERT INTO processed_events")),
          ...(await preparedOn(session, "INSERT INTO outbox (event_id, type, body)")),
        ];
        expect(prepared.map((p) => p.name)).toEqual([
          expect.stringMatching(/^taskoverflow_\d+$/),
          expect.stringMatching(/^taskoverflow_\d+$/),
        ]);
      });
    } finally {
      await database.close();
    }
  });

  it("keeps working after the table it reads changes (PostgreSQL replans it)", async () => {
    const database = await openDatabase<unknown>({ url: testDb.url, dataDir: "memory", poolSize: 1 }, log);
    const table = `prepared_${crypto.randomUUID().slice(0, 8)}`;
    try {
      await sql`CREATE TABLE ${sql.table(table)} (id int PRIMARY KEY, title text)`.execute(database.db);
      const write = (id: number) =>
        executePrepared(
          database.db,
          sql<{ title: string }>`
            WITH t AS (INSERT INTO ${sql.table(table)} (id, title) VALUES (${id}, ${`t${id}`}) RETURNING *)
            SELECT title FROM t`,
        );
      for (const id of [1, 2, 3, 4, 5, 6]) await write(id);
      await sql`ALTER TABLE ${sql.table(table)} ADD COLUMN done boolean NOT NULL DEFAULT false`.execute(
        database.db,
      );
      await sql`CREATE INDEX ON ${sql.table(table)} (title)`.execute(database.db);
      expect((await write(7)).rows).toEqual([{ title: "t7" }]);
      expect(await preparedOn(database.db, table)).toHaveLength(1);
    } finally {
      await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(database.db);
      await database.close();
    }
  });

  it("prepares the relay's claim and mark on the leader's session, planned once, never scanning the outbox", async () => {
    await sql`TRUNCATE outbox, todos_test`.execute(testDb.db);
    await sql`UPDATE outbox_head SET sequence = 0, published_through = 0`.execute(testDb.db);
    const leadership = createLeadership(sequencerSessionsFor(testDb.db), log);
    try {
      expect(await leadership.lead()).toBe(true);
      // Statistics of an empty outbox (a new service's): on them a sequential scan is the cheaper plan. No
      // autovacuum meanwhile (its ANALYZE would make PostgreSQL plan again), and no DDL after this.
      await sql`ALTER TABLE outbox SET (autovacuum_enabled = false)`.execute(testDb.db);
      await sql`ANALYZE outbox`.execute(testDb.db);
      // The claim's plan is made now, on the empty outbox (a relay's first pass).
      const first = await leadership.run((s, leaderPid) =>
        claimBatch(s, { sequenceLimit: 1000, batchSize: 100, leaderPid }),
      );
      expect(first.rows).toEqual([]);
      for (const title of ["a", "b", "c"]) await createTodo(testDb.db, title);
      for (let pass = 0; pass < 2; pass++) {
        const claimed = await leadership.run((s, leaderPid) =>
          claimBatch(s, { sequenceLimit: 1000, batchSize: 100, leaderPid }),
        );
        expect(claimed.leads).toBe(true);
        const last = claimed.rows.at(-1)?.sequence;
        if (last !== undefined) await leadership.run((s) => markPublished(s, last));
        if (pass === 0) expect(claimed.rows.map((r) => r.sequence)).toEqual(["1", "2", "3"]);
        else expect(claimed.rows).toEqual([]);
      }
      const { prepared, mode } = await leadership.run(async (s) => ({
        prepared: [
          ...(await preparedOn(s as Kysely<unknown>, "WITH lock AS")),
          ...(await preparedOn(s as Kysely<unknown>, "SET published_through")),
        ],
        mode: (await sql<{ m: string }>`SELECT current_setting('plan_cache_mode') AS m`.execute(s)).rows[0]
          ?.m,
      }));
      expect(prepared.map((p) => p.statement)).toEqual([
        expect.stringContaining("UPDATE outbox_head"),
        expect.stringContaining("UPDATE outbox_head SET published_through"),
      ]);
      expect(mode).toBe("force_generic_plan");
      // The claim's plan was made on an empty outbox, the mark's on three rows. It grows to 20,000 rows without being analysed (a burst
      // outpaces autovacuum): the same plans must still go through the indexes.
      await sql`INSERT INTO outbox (event_id, type, body, sequence, published_at)
        SELECT gen_random_uuid(), 'T', repeat('x', 500), 100 + g, now() FROM generate_series(1, 20000) g`.execute(
        testDb.db,
      );
      await sql`UPDATE outbox_head SET sequence = 20100, published_through = 20100`.execute(testDb.db);
      const plans = await leadership.run(async (s, pid) => {
        const [claim, mark] = prepared.map((p) => sql.raw(p.name));
        const explain = async (statement: ReturnType<typeof sql>) =>
          JSON.stringify((await statement.execute(s)).rows);
        return [
          await explain(sql`EXPLAIN (FORMAT JSON) EXECUTE ${claim}(${sql.lit(pid)}, '0')`),
          await explain(sql`EXPLAIN (FORMAT JSON) EXECUTE ${mark}('20100')`),
        ];
      });
      for (const plan of plans) {
        expect(plan).toContain("Index");
        expect(plan.match(/"Node Type":"Seq Scan"[^}]*/g) ?? []).toEqual([]);
      }
      await sql`ALTER TABLE outbox RESET (autovacuum_enabled)`.execute(testDb.db);
      const unpublished = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM outbox
        WHERE sequence IS NULL OR sequence > (SELECT published_through FROM outbox_head)`.execute(testDb.db);
      expect(unpublished.rows[0]?.n).toBe(0);
    } finally {
      await leadership.resign("test over");
    }
  });
});

describe("executePrepared on PGlite", () => {
  it("runs the statement unnamed, with the same result", async () => {
    const { db, close } = await openTestDb(undefined, log);
    try {
      const marker = `pglite_${crypto.randomUUID().slice(0, 8)}`;
      for (const n of [1, 2])
        expect(
          (
            await executePrepared(
              db as TestDb,
              sql<{ n: number; m: string }>`SELECT ${n}::int AS n, ${sql.lit(marker)} AS m`,
            )
          ).rows,
        ).toEqual([{ n, m: marker }]);
      expect(await preparedOn(db as Kysely<unknown>, marker)).toEqual([]);
      const event = await createTodo(db, "on PGlite");
      const leadership = createLeadership(sequencerSessionsFor(db), log);
      expect(await leadership.lead()).toBe(true);
      const claimed = await leadership.run((s, leaderPid) =>
        claimBatch(s, { sequenceLimit: 1000, batchSize: 100, leaderPid }),
      );
      expect(claimed.rows.map((r) => r.event_id)).toEqual([event.id]);
      await leadership.run((s) => markPublished(s, claimed.rows[0]?.sequence ?? "0"));
      const left = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM outbox
        WHERE sequence IS NULL OR sequence > (SELECT published_through FROM outbox_head)`.execute(db);
      expect(left.rows[0]?.n).toBe(0);
      await leadership.resign("test over");
    } finally {
      await close();
    }
  });
});
