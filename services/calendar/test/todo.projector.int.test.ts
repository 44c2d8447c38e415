import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createEvent, type TodoEvent, type TodoState } from "@taskoverflow/contracts";
import { createLogger, type Database, openMigratedDatabase } from "@taskoverflow/platform";
import { createTestDatabase, type TestDatabase } from "@taskoverflow/test-harness";
import { sql } from "kysely";
import { migrations } from "../src/db/migrations.ts";
import type { CalendarTables } from "../src/db/tables.ts";
import { createTodoProjector } from "../src/todos/todo.projector.ts";
import { type AppliedEvent, TodoProjectionRepository } from "../src/todos/todo.repository.ts";

const log = createLogger({ service: "calendar-test", level: "silent" });

/** The projection's batched apply on real PostgreSQL: one statement per batch, each event once. */
describe("todo projection, batched apply", () => {
  let testDb: TestDatabase;
  let database: Database<CalendarTables>;
  let sequence = 0;
  let nextTodo = 1;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = await openMigratedDatabase<CalendarTables>(
      { databaseUrl: testDb.url, dataDir: "memory", databasePoolSize: 4 },
      migrations,
      log,
    );
  });
  afterAll(async () => {
    await database?.close();
    await testDb?.drop();
  });

  const todo = (id: number, version: number, title = `v${version}`): TodoState => ({
    id,
    title,
    description: null,
    completed: false,
    deadlineAt: "2030-01-01T12:00:00.000Z",
    createdAt: "2030-01-01T00:00:00.000Z",
    updatedAt: "2030-01-01T00:00:00.000Z",
    version,
  });
  const event = (type: TodoEvent["type"], state: TodoState): TodoEvent =>
    ({
      ...createEvent(type, { todo: state }, { correlationId: "test", producer: "todo" }),
      sequence: ++sequence,
    }) as TodoEvent;
  const applied = (e: TodoEvent): AppliedEvent => ({
    eventId: e.id,
    next: { todo: e.payload.todo, deleted: e.type === "TodoDeleted" },
    sequence: e.sequence,
  });
  const stored = async (id: number) =>
    (
      await sql<{ version: number; deleted: boolean; title: string }>`
        SELECT version, deleted, state->>'title' AS title FROM todos_projection WHERE id = ${id}`.execute(
        database.db,
      )
    ).rows[0];
  const appliedSequences = async (xs: number[]) =>
    Number(
      (
        await sql<{ n: string }>`SELECT count(*)::text AS n FROM todo_stream_applied
          WHERE sequence = ANY(${xs}::bigint[])`.execute(database.db)
      ).rows[0]?.n,
    );

  it("keeps the newest version of a todo changed several times in one batch, and records every sequence", async () => {
    const repo = new TodoProjectionRepository();
    const id = nextTodo++;
    const events = [
      event("TodoCreated", todo(id, 1)),
      event("TodoUpdated", todo(id, 2)),
      event("TodoUpdated", todo(id, 3)),
    ];
    // Delivery order is not sequence order on a standard queue.
    const outcomes = await repo.applyAll(
      database.db,
      "calendar",
      [2, 0, 1].map((i) => applied(events[i] as TodoEvent)),
    );
    expect(outcomes).toEqual(["processed", "processed", "processed"]);
    expect(await stored(id)).toEqual({ version: 3, deleted: false, title: "v3" });
    expect(await appliedSequences(events.map((e) => e.sequence as number))).toBe(3);
  });

  it("applies an event given twice in one batch once, and a redelivered batch not at all", async () => {
    const repo = new TodoProjectionRepository();
    const id = nextTodo++;
    const created = event("TodoCreated", todo(id, 1));
    const deleted = event("TodoDeleted", todo(id, 2));
    const batch = [applied(created), applied(deleted), applied(created)];
    expect(await repo.applyAll(database.db, "calendar", batch)).toEqual([
      "processed",
      "processed",
      "duplicate",
    ]);
    expect(await stored(id)).toEqual({ version: 2, deleted: true, title: "v2" });
    expect(await repo.applyAll(database.db, "calendar", batch)).toEqual([
      "duplicate",
      "duplicate",
      "duplicate",
    ]);
    // A late, stale update cannot revive the deleted todo, but its sequence still counts as seen.
    const stale = event("TodoUpdated", todo(id, 1, "stale"));
    expect(await repo.applyAll(database.db, "calendar", [applied(stale)])).toEqual(["processed"]);
    expect(await stored(id)).toEqual({ version: 2, deleted: true, title: "v2" });
    expect(await appliedSequences([stale.sequence as number])).toBe(1);
  });

  it("lets concurrent batches over the same todos converge on the highest versions", async () => {
    const repo = new TodoProjectionRepository();
    const ids = [nextTodo++, nextTodo++, nextTodo++];
    const events = ids.flatMap((id) =>
      [1, 2, 3, 4].map((v) => event(v === 1 ? "TodoCreated" : "TodoUpdated", todo(id, v))),
    );
    // Four batches, each with every todo in a different order, written at the same time.
    const batches = [0, 1, 2, 3].map((k) =>
      events
        .filter((_, i) => i % 4 === k)
        .map(applied)
        .sort(() => (k % 2 ? 1 : -1)),
    );
    const outcomes = await Promise.all(batches.map((b) => repo.applyAll(database.db, "calendar", b)));
    expect(outcomes.flat().every((o) => o === "processed")).toBe(true);
    for (const id of ids) expect(await stored(id)).toEqual({ version: 4, deleted: false, title: "v4" });
  });

  it("writes the events the consumer hands over in one turn in one statement", async () => {
    const repo = new TodoProjectionRepository();
    const statements: number[] = [];
    const counting = Object.assign(Object.create(repo) as TodoProjectionRepository, {
      applyAll: (db: typeof database.db, consumer: string, items: AppliedEvent[]) => {
        statements.push(items.length);
        return repo.applyAll(db, consumer, items);
      },
    });
    const projector = createTodoProjector({
      db: database.db,
      todos: counting,
      snapshots: { fetch: () => Promise.reject(new Error("not used")) },
      clock: { now: () => new Date() },
      log,
    });
    const id = nextTodo++;
    const events = [1, 2, 3, 4, 5].map((v) => event(v === 1 ? "TodoCreated" : "TodoUpdated", todo(id, v)));
    const outcomes = await Promise.all(events.map((e) => projector.apply(e)));
    expect(outcomes).toEqual(["processed", "processed", "processed", "processed", "processed"]);
    expect(statements).toEqual([5]);
    expect(await stored(id)).toEqual({ version: 5, deleted: false, title: "v5" });
    expect(await projector.apply(events[0] as TodoEvent)).toBe("duplicate");
  });
});
