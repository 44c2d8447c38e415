import { type Kysely, type RawBuilder, sql } from "kysely";
import type { TodoServiceTables } from "../db/tables.ts";
import type { Todo, TodoChanges, TodoDraft, TodoFilter, VersionedTodo } from "./todo.domain.ts";

/** A connection or an open transaction; routes open transactions and pass them down. */
export type TodoDb = Kysely<TodoServiceTables>;

// Naive UTC in Python isoformat() style: the fraction (microseconds) only when it is not zero.
const iso = (column: string) =>
  `CASE WHEN ${column} = date_trunc('second', ${column}) ` +
  `THEN to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS') ` +
  `ELSE to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS.US') END`;

// PostgreSQL builds the API's JSON so lists go to the client without being parsed in JavaScript.
const TODO_JSON_SQL =
  `json_build_object('id', id, 'title', title, 'description', description, 'completed', completed, ` +
  `'deadline_at', ${iso("deadline_at")}, 'created_at', ${iso("created_at")}, 'updated_at', ${iso("updated_at")})`;

const todoJson = (): RawBuilder<Todo> => sql<Todo>`${sql.raw(TODO_JSON_SQL)}`;

const returningTodo = () => [todoJson().as("todo"), "version"] as const;

/**
 * Kysely code for todos; row types stay in here. Every method runs on the executor it is given.
 *
 * Lists without a window are cached, keyed on the outbox sequence: every todo change enqueues an event in
 * its own transaction, and enqueueing bumps that one-row counter, so an unchanged sequence means unchanged
 * todos, in this instance or any other on the same database. A hit costs one single-row read instead of
 * formatting every todo (about 2 ms of PostgreSQL CPU for 100 todos).
 */
export class TodoRepository {
  readonly #lists = new Map<string, { sequence: string; body: string }>();

  /** The todos matching the filter as a JSON array text, in id order. */
  async listJson(db: TodoDb, filter: TodoFilter, cutoff: string | undefined): Promise<string> {
    let query = db
      .selectFrom("todos")
      .select(sql<string>`coalesce(json_agg(${todoJson()} ORDER BY id), '[]')::text`.as("body"))
      // In the same statement, so the body and the sequence come from one snapshot.
      .select(sql<string>`(SELECT value::text FROM outbox_sequence WHERE id = 1)`.as("sequence"));
    if (filter.completed !== undefined) query = query.where("completed", "=", filter.completed);
    if (filter.windowDays !== undefined) {
      query =
        cutoff === undefined
          ? query.where("deadline_at", "is not", null)
          : query.where("deadline_at", "<=", cutoff);
    }
    // A window depends on "now", so only window-less lists are cached.
    const key = filter.windowDays === undefined ? String(filter.completed) : undefined;
    const cached = key === undefined ? undefined : this.#lists.get(key);
    if (cached) {
      const { rows } = await sql<{ sequence: string }>`
        SELECT value::text AS sequence FROM outbox_sequence WHERE id = 1`.execute(db);
      if (rows[0]?.sequence === cached.sequence) return cached.body;
    }
    const row = await query.executeTakeFirstOrThrow();
    if (key !== undefined && row.sequence !== null) {
      const current = this.#lists.get(key);
      if (!current || BigInt(current.sequence) <= BigInt(row.sequence)) {
        this.#lists.set(key, { sequence: row.sequence, body: row.body });
      }
    }
    return row.body;
  }

  /** One todo as JSON text, or undefined. */
  async findJson(db: TodoDb, id: number): Promise<string | undefined> {
    const row = await db
      .selectFrom("todos")
      .select(sql<string>`${todoJson()}::text`.as("body"))
      .where("id", "=", id)
      .executeTakeFirst();
    return row?.body;
  }

  async insert(db: TodoDb, draft: TodoDraft, now: string): Promise<VersionedTodo> {
    const row = await db
      .insertInto("todos")
      .values({
        title: draft.title,
        description: draft.description,
        completed: draft.completed,
        deadline_at: draft.deadlineAt,
        created_at: now,
        updated_at: now,
      })
      .returning(returningTodo())
      .executeTakeFirstOrThrow();
    return row;
  }

  /** Applies the changes, bumps updated_at and version; undefined when the todo does not exist. */
  async update(
    db: TodoDb,
    id: number,
    changes: TodoChanges,
    now: string,
  ): Promise<VersionedTodo | undefined> {
    return db
      .updateTable("todos")
      .set((eb) => ({
        ...(changes.title !== undefined && { title: changes.title }),
        ...(changes.description !== undefined && { description: changes.description }),
        ...(changes.completed !== undefined && { completed: changes.completed }),
        ...(changes.deadlineAt !== undefined && { deadline_at: changes.deadlineAt }),
        updated_at: now,
        version: eb("version", "+", 1),
      }))
      .where("id", "=", id)
      .returning(returningTodo())
      .executeTakeFirst();
  }

  /** Every todo with its version, in id order (for snapshots; run it in a repeatable-read transaction). */
  async all(db: TodoDb): Promise<VersionedTodo[]> {
    return db.selectFrom("todos").select(returningTodo()).orderBy("id").execute();
  }

  /** Deletes and returns the todo with the version its deletion has (one past its last update). */
  async delete(db: TodoDb, id: number): Promise<VersionedTodo | undefined> {
    const row = await db
      .deleteFrom("todos")
      .where("id", "=", id)
      .returning(returningTodo())
      .executeTakeFirst();
    return row && { todo: row.todo, version: row.version + 1 };
  }
}
