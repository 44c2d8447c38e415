import type { TodoState } from "@taskoverflow/contracts";
import { executePrepared } from "@taskoverflow/platform";
import { type Kysely, type RawBuilder, sql } from "kysely";
import type { TodoServiceTables } from "../db/tables.ts";
import type { TodoChanges, TodoDraft, TodoFilter } from "./todo.domain.ts";
import type { TodoEventEnvelope } from "./todo.outbox.ts";
import { todoStateSql } from "./todo.sql.ts";

/** A list as JSON array text and the snapshot (`pg_current_snapshot()` as text) it was read in. */
export interface SnapshotList {
  body: string;
  snapshot: string;
}

/** The todos matching the filter as a JSON array text, in id order: a scalar subquery's text. */
function listBody(filter: TodoFilter, cutoff: string | undefined): RawBuilder<string> {
  const where: RawBuilder<unknown>[] = [sql`TRUE`];
  if (filter.completed !== undefined) where.push(sql`completed = ${filter.completed}`);
  if (filter.windowDays !== undefined) {
    where.push(
      cutoff === undefined ? sql`deadline_at IS NOT NULL` : sql`deadline_at <= ${cutoff}::timestamp`,
    );
  }
  return sql<string>`(SELECT '[' || coalesce(string_agg(api_json, ',' ORDER BY id), '') || ']'
    FROM todos WHERE ${sql.join(where, sql` AND `)})`;
}

/**
 * `TodoRepository.listIfChanged`'s statement (tests explain its plan): no row when nothing changed. The WHERE is a
 * one-time filter (an initplan): the list, a scalar subquery in the select list, runs only when it passes. The
 * probe is `ORDER BY xid LIMIT 1`, not EXISTS: in the generic plan of a prepared statement the planner cannot
 * tell that the range from the snapshot's xmin is small, and for an EXISTS it would take a sequential scan that
 * "stops at the first match" (and reads the whole table when there is none); an ordered probe keeps it on the index.
 */
export function listIfChangedQuery(filter: TodoFilter, snapshot: string) {
  return sql<SnapshotList>`
    SELECT ${listBody(filter, undefined)} AS body, pg_current_snapshot()::text AS snapshot
    WHERE (
      SELECT xid FROM outbox
      WHERE xid >= pg_snapshot_xmin(${snapshot}::pg_snapshot)
        AND NOT pg_visible_in_snapshot(xid, ${snapshot}::pg_snapshot)
      ORDER BY xid LIMIT 1
    ) IS NOT NULL`;
}

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
    const { rows } = await executePrepared(
      db,
      sql<{ body: string }>`SELECT ${listBody(filter, cutoff)} AS body`,
    );
    return rows[0]?.body ?? "[]";
  }

  /**
   * The list (no window) and the snapshot it was read in (`pg_current_snapshot()` of the same statement), for
   * the list cache (todo.list-cache.ts).
   */
  async listWithSnapshot(db: TodoDb, filter: TodoFilter): Promise<SnapshotList> {
    const { rows } = await executePrepared(
      db,
      sql<SnapshotList>`
      SELECT ${listBody(filter, undefined)} AS body, pg_current_snapshot()::text AS snapshot`,
    );
    const row = rows[0];
    if (row === undefined) throw new Error("the list statement returned no row");
    return row;
  }

  /**
   * One round trip: undefined when no outbox row is visible now that was not visible in `snapshot` (so no todo
   * changed since: every change writes one in its transaction), else the list read now and its snapshot. Rows
   * below the snapshot's xmin were all committed or aborted when it was taken: only the index range from its
   * xmin up is scanned (outbox_xid, migration 0007).
   */
  async listIfChanged(db: TodoDb, filter: TodoFilter, snapshot: string): Promise<SnapshotList | undefined> {
    const { rows } = await executePrepared(db, listIfChangedQuery(filter, snapshot));
    return rows[0];
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
