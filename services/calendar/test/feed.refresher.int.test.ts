// The feed refresher's read of the changes since its last snapshot, on real PostgreSQL with a table of 12,000
// todos: it reads the changed rows and a few pages, not the table (the plan's buffers and rows, never a time),
// with and without planner statistics (a live projection is often not analysed yet), and it pages.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { pgOutboxWakeSource } from "@taskoverflow/messaging";
import { createLogger, type Database, openMigratedDatabase } from "@taskoverflow/platform";
import {
  createTestDatabase,
  type PlanNode,
  scansOf,
  type TestDatabase,
  waitFor,
} from "@taskoverflow/test-harness";
import { CompiledQuery, sql } from "kysely";
import { feedFrame } from "../src/calendar/calendar.builder.ts";
import { migrations } from "../src/db/migrations.ts";
import type { CalendarTables } from "../src/db/tables.ts";
import { changesPage, createFeedRefresher } from "../src/feed/feed.refresher.ts";
import { FeedStore } from "../src/feed/feed.store.ts";

const log = createLogger({ service: "calendar-refresher-test", level: "silent" });
const TODOS = 12_000;

describe("feed refresher: reading the changes", () => {
  let testDb: TestDatabase;
  let database: Database<CalendarTables>;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = await openMigratedDatabase<CalendarTables>(
      { databaseUrl: testDb.url, dataDir: "memory", databasePoolSize: 2 },
      migrations,
      log,
    );
    // No autovacuum: the first case runs without statistics, as a projection filled since its last analyse.
    await sql`ALTER TABLE todos_projection SET (autovacuum_enabled = false)`.execute(database.db);
    // Several transactions, as events arrive: the rows' changed_xid differ.
    for (let from = 1; from <= TODOS; from += 1_000) {
      await sql`
        INSERT INTO todos_projection (id, state, version)
        SELECT g, jsonb_build_object('id', g, 'title', 'todo ' || g, 'description', repeat('x', 200),
          'completed', false, 'deadlineAt', '2030-01-01T12:00:00.000Z', 'createdAt', '2030-01-01T00:00:00.000Z',
          'updatedAt', '2030-01-01T00:00:00.000Z', 'version', 1), 1
        FROM generate_series(${from}::int, ${from + 999}::int) AS g`.execute(database.db);
    }
  });
  afterAll(async () => {
    await database?.close();
    await testDb?.drop();
  });

  const snapshot = async () =>
    (await sql<{ s: string }>`SELECT pg_current_snapshot()::text AS s`.execute(database.db)).rows[0]
      ?.s as string;
  const change = (ids: number[]) =>
    sql`UPDATE todos_projection SET version = version + 1, changed_xid = pg_current_xact_id()
      WHERE id = ANY(${sql.val(ids)}::int[])`.execute(database.db);

  async function explain(since: string) {
    const q = changesPage(since, undefined, 200).compile(database.db);
    const { rows } = await database.db.executeQuery<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(
      CompiledQuery.raw(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${q.sql}`, [...q.parameters]),
    );
    return (rows[0] as { "QUERY PLAN": [{ Plan: PlanNode }] })["QUERY PLAN"][0].Plan;
  }

  /** What the plan read of todos_projection: its scans' rows (kept and filtered out) and all buffers. */
  function reads(plan: PlanNode) {
    const { scans, rows } = scansOf(plan, "todos_projection");
    return { scans, rows, buffers: (plan["Shared Hit Blocks"] ?? 0) + (plan["Shared Read Blocks"] ?? 0) };
  }

  async function pages() {
    const { rows } = await sql<{ pages: number }>`
      SELECT (pg_relation_size('todos_projection') / current_setting('block_size')::int)::int AS pages`.execute(
      database.db,
    );
    return rows[0]?.pages as number;
  }

  it.each([
    ["without planner statistics", false],
    ["with planner statistics", true],
  ])("reads only the changed rows, %s", async (_, analyse) => {
    if (analyse) await sql`ANALYZE todos_projection`.execute(database.db);
    const since = await snapshot();
    await change([7, 5_003, 11_999]);

    const { rows } = await changesPage(since, undefined, 200).execute(database.db);
    expect(rows.map((r) => r.id)).toEqual([7, 5_003, 11_999]);
    expect(rows[0]?.snap).toMatch(/^\d+:\d+:/);

    const read = reads(await explain(since));
    expect(read.scans).toEqual(["Index Scan todos_projection_changes"]);
    // The whole table is hundreds of pages and 12,000 rows; the changes are 3 rows on a few pages.
    expect(await pages()).toBeGreaterThan(300);
    expect(read.rows).toBeLessThanOrEqual(3);
    expect(read.buffers).toBeLessThan(20);
  });

  it("pages through the changes in (changed_xid, id) order; a page without changes answers its snapshot", async () => {
    const since = await snapshot();
    await change([40, 41]);
    await change([30]);
    const first = (await changesPage(since, undefined, 2).execute(database.db)).rows;
    expect(first.map((r) => r.id)).toEqual([40, 41]);
    const last = first.at(-1) as { xid: string; id: number };
    const second = (await changesPage(since, { xid: last.xid, id: last.id }, 2).execute(database.db)).rows;
    expect(second.map((r) => r.id)).toEqual([30]);

    const now = (await changesPage(await snapshot(), undefined, 2).execute(database.db)).rows;
    expect(now).toHaveLength(1);
    expect(now[0]?.id).toBeNull();
    expect(now[0]?.snap).toMatch(/^\d+:\d+:/);
  });

  it("tells the other instances in the refresh's own statement: one follows the other with no poll", async () => {
    const instance = () => {
      const store = new FeedStore(feedFrame(600));
      const refresher = createFeedRefresher({
        db: database.db,
        store,
        host: "calendar.test",
        log,
        notifyOthers: true,
        wakeSource: pgOutboxWakeSource({ connectionString: testDb.url, log, channel: "calendar_feed" }),
        pollMs: 3_600_000,
      });
      return { store, refresher };
    };
    const one = instance();
    const two = instance();
    await one.refresher.start();
    await two.refresher.start();
    try {
      const loaded = two.store.size;
      // The second change can only reach the other instance by NOTIFY: its LISTEN's first wake (on connecting)
      // is behind it once it showed the first change, and its poll is an hour away.
      for (const n of [1, 2]) {
        const todo = {
          id: TODOS + n,
          title: `told ${n}`,
          description: null,
          completed: false,
          deadlineAt: "2030-01-01T12:00:00.000Z",
          createdAt: "2030-01-01T00:00:00.000Z",
          updatedAt: "2030-01-01T00:00:00.000Z",
          version: 1,
        };
        await sql`INSERT INTO todos_projection (id, state, version)
          VALUES (${todo.id}, ${JSON.stringify(todo)}::jsonb, 1)`.execute(database.db);
        one.refresher.changed();
        await waitFor(() => (one.store.size === loaded + n ? true : undefined), {
          what: "the writer's feed",
        });
        await waitFor(() => (two.store.size === loaded + n ? true : undefined), {
          what: `change ${n} in the other instance's feed`,
        });
      }
    } finally {
      await one.refresher.stop();
      await two.refresher.stop();
    }
  });
});
