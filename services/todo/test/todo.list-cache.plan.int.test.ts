import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createLogger, migrate } from "@taskoverflow/platform";
import { type PlanNode, scansOf } from "@taskoverflow/test-harness";
import { CompiledQuery, sql } from "kysely";
import { migrations } from "../src/db/migrations/index.ts";
import { listIfChangedQuery, type TodoDb } from "../src/todos/todo.repository.ts";
import { openSharedDatabase, type SharedDatabase } from "./todo.fixture.ts";

/**
 * The hit check's plan on a real server with 10,000 outbox rows of 10,000 committed transactions: it reads
 * only the index range from the snapshot's xmin up (a few entries), and the list under the CASE is never run
 * while nothing changed. Checked for the custom plan and for the generic plan a named prepared statement
 * settles on (plan_cache_mode = force_generic_plan), where the planner knows nothing of the snapshot.
 */
describe("the list cache's hit check on postgres", () => {
  let shared: SharedDatabase;
  let db: TodoDb;

  beforeAll(async () => {
    shared = await openSharedDatabase("postgres");
    db = shared.database.db as TodoDb;
    await migrate(db, migrations, createLogger({ service: "todo-test", level: "silent" }));
    await sql`INSERT INTO todos (title) SELECT 'todo ' || i FROM generate_series(1, 100) i`.execute(db);
    // One transaction per row, as writes are: 10,000 distinct xids below any later snapshot's xmin.
    await sql`DO $$ BEGIN FOR i IN 1..10000 LOOP
        INSERT INTO outbox (event_id, type, body) VALUES (gen_random_uuid(), 'TodoUpdated', '{}');
        COMMIT;
      END LOOP; END $$`.execute(db);
    await sql`ANALYZE outbox`.execute(db);
    await sql`ANALYZE todos`.execute(db);
  }, 120_000);
  afterAll(async () => shared?.close());

  const snapshot = async () =>
    (await sql<{ s: string }>`SELECT pg_current_snapshot()::text AS s`.execute(db)).rows[0]?.s ?? "";

  /** EXPLAIN ANALYZE of the hit check for `s`, as a custom plan or as the generic plan of a prepared statement. */
  async function explain(s: string, generic: boolean): Promise<PlanNode> {
    const q = listIfChangedQuery({}, s).compile(db);
    return db.connection().execute(async (conn) => {
      const run = (text: string, params: readonly unknown[] = []) =>
        conn.executeQuery<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(CompiledQuery.raw(text, [...params]));
      if (!generic)
        return (await run(`EXPLAIN (ANALYZE, FORMAT JSON) ${q.sql}`, q.parameters)).rows[0]?.["QUERY PLAN"][0]
          .Plan as PlanNode;
      await run("SET plan_cache_mode = force_generic_plan");
      await run(`PREPARE hit_check AS ${q.sql}`);
      try {
        const args = q.parameters.map((p) => `'${String(p)}'`).join(", ");
        const { rows } = await run(`EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE hit_check(${args})`);
        return rows[0]?.["QUERY PLAN"][0].Plan as PlanNode;
      } finally {
        await run("DEALLOCATE hit_check");
        await run("RESET plan_cache_mode");
      }
    });
  }

  function reads(plan: PlanNode) {
    const outbox = scansOf(plan, "outbox");
    const list = scansOf(plan, "todos");
    return {
      outbox: outbox.scans,
      outboxRows: outbox.rows,
      listScans: list.scans.length,
      listRuns: list.loops,
    };
  }

  it.each([
    ["custom", false],
    ["generic", true],
  ])("reads a few index entries and not the list when nothing changed (%s plan)", async (_, generic) => {
    const read = reads(await explain(await snapshot(), generic));
    expect(read.outbox).toHaveLength(1);
    expect(read.outbox[0]).toMatch(/^Index (Only )?Scan outbox_xid$/);
    expect(read.outboxRows).toBeLessThanOrEqual(2);
    expect(read.listScans).toBe(1); // in the plan, never executed
    expect(read.listRuns).toBe(0);
    expect((await listIfChangedQuery({}, await snapshot()).execute(db)).rows).toEqual([]);
  });

  it.each([
    ["custom", false],
    ["generic", true],
  ])("runs the list once when an outbox row committed after the snapshot (%s plan)", async (_, generic) => {
    const before = await snapshot();
    await sql`INSERT INTO outbox (event_id, type, body) VALUES (gen_random_uuid(), 'TodoUpdated', '{}')`.execute(
      db,
    );
    const read = reads(await explain(before, generic));
    expect(read.outbox[0]).toMatch(/^Index (Only )?Scan outbox_xid$/);
    expect(read.outboxRows).toBeLessThanOrEqual(3);
    expect(read.listRuns).toBe(1);
    const { rows } = await listIfChangedQuery({}, before).execute(db);
    expect(JSON.parse(rows[0]?.body ?? "[]")).toHaveLength(100);
  });
});
