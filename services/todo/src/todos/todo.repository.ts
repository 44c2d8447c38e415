import type { TodoState } from "@taskoverflow/contracts";
import { executePrepared } from "@taskoverflow/platform";
import { type Kysely, type RawBuilder, sql } from "kysely";
import type { TodoServiceTables } from "../db/tables.ts";
import type { TodoChanges, TodoDraft, TodoFilter } from "./todo.domain.ts";
import type { TodoEventEnvelope } from "./todo.outbox.ts";
import { todoStateSql } from "./todo.sql.ts";

/** A connection or an open transaction. */
export type TodoDb = Kysely<TodoServiceTables>;

/**
 * Kysely code for todos; row types stay in here. Every method runs on the executor it is given.
 *
 * Each write is ONE statement: a data-modifying CTE changes the todo, a second one inserts its event into
 * the outbox (the same transaction, so both commit or neither), and the statement returns the API's JSON.
 * Nothing shared is locked: the outbox row carries only this transaction's id, and the sequencer numbers
 * it after commit. Each row keeps its API JSON (rendered by a trigger), so a list is a concatenation.
 * The statements go through `executePrepared`: on a PostgreSQL server each is parsed (and, once its generic plan
 * is chosen, planned) once per connection.
 */
export class TodoRepository {
  /** The todos matching the filter as a JSON array text, in id order. */
  async listJson(db: TodoDb, filter: TodoFilter, cutoff: string | undefined): Promise<string> {
    const where: RawBuilder<unknown>[] = [sql`TRUE`];
    if (filter.completed !== undefined) where.push(sql`completed = ${filter.completed}`);
    if (filter.windowDays !== undefined) {
      where.push(
        cutoff === undefined ? sql`deadline_at IS NOT NULL` : sql`deadline_at <= ${cutoff}::timestamp`,
      );
    }
    const { rows } = await executePrepared(
      db,
      sql<{ body: string }>`
      SELECT '[' || coalesce(string_agg(api_json, ',' ORDER BY id), '') || ']' AS body
      FROM todos WHERE ${sql.join(where, sql` AND `)}`,
    );
    return rows[0]?.body ?? "[]";
  }

  /** One todo as JSON text, or undefined. */
  async findJson(db: TodoDb, id: number): Promise<string | undefined> {
    const { rows } = await executePrepared(
      db,
      db.selectFrom("todos").select("api_json").where("id", "=", id),
    );
    return rows[0]?.api_json;
  }

  /** Inserts the todo and its TodoCreated; returns the API's JSON of the new todo. */
  async create(db: TodoDb, draft: TodoDraft, now: string, event: TodoEventEnvelope): Promise<string> {
    const written = sql`
      INSERT INTO todos (title, description, completed, deadline_at, created_at, updated_at)
      VALUES (${draft.title}, ${draft.description}, ${draft.completed}, ${draft.deadlineAt}::timestamp,
              ${now}::timestamp, ${now}::timestamp)
      RETURNING *`;
    const body = await this.#writeWithEvent(db, written, event, "version");
    if (body === undefined) throw new Error("INSERT returned no row");
    return body;
  }

  /** Applies the changes, bumps updated_at and version, writes TodoUpdated; undefined when there is no such todo. */
  async update(
    db: TodoDb,
    id: number,
    changes: TodoChanges,
    now: string,
    event: TodoEventEnvelope,
  ): Promise<string | undefined> {
    const sets: RawBuilder<unknown>[] = [];
    if (changes.title !== undefined) sets.push(sql`title = ${changes.title}`);
    if (changes.description !== undefined) sets.push(sql`description = ${changes.description}`);
    if (changes.completed !== undefined) sets.push(sql`completed = ${changes.completed}`);
    if (changes.deadlineAt !== undefined) sets.push(sql`deadline_at = ${changes.deadlineAt}::timestamp`);
    sets.push(sql`updated_at = ${now}::timestamp`, sql`version = version + 1`);
    const written = sql`UPDATE todos SET ${sql.join(sets)} WHERE id = ${id} RETURNING *`;
    return this.#writeWithEvent(db, written, event, "version");
  }

  /** Deletes the todo and writes TodoDeleted (its version one past the last update); the deleted todo's JSON. */
  async delete(db: TodoDb, id: number, event: TodoEventEnvelope): Promise<string | undefined> {
    const written = sql`DELETE FROM todos WHERE id = ${id} RETURNING *`;
    return this.#writeWithEvent(db, written, event, "version + 1");
  }

  /** Every todo in the event contract's form, in id order (for snapshots; run it in a repeatable-read transaction). */
  async states(db: TodoDb): Promise<TodoState[]> {
    const { rows } = await sql<{ state: TodoState }>`
      SELECT ${sql.raw(todoStateSql())} AS state FROM todos ORDER BY id`.execute(db);
    return rows.map((r) => r.state);
  }

  async #writeWithEvent(
    db: TodoDb,
    written: RawBuilder<unknown>,
    event: TodoEventEnvelope,
    version: string,
  ): Promise<string | undefined> {
    // A named prepared statement on a server: one text per kind of write (and per set of changed columns).
    const { rows } = await executePrepared(
      db,
      sql<{ api_json: string }>`
      WITH t AS (${written}),
      o AS (
        INSERT INTO outbox (event_id, type, body)
        SELECT ${event.id}::uuid, ${event.type},
          (${JSON.stringify(event)}::jsonb
            || jsonb_build_object('payload', jsonb_build_object('todo', ${sql.raw(todoStateSql(version))})))::text
        FROM t
      )
      SELECT api_json FROM t`,
    );
    return rows[0]?.api_json;
  }
}
