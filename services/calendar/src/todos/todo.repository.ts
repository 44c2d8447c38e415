import type { TodoState } from "@taskoverflow/contracts";
import { executePrepared } from "@taskoverflow/platform";
import { type Kysely, sql, type Transaction } from "kysely";
import type { CalendarTables } from "../db/tables.ts";
import { advanceWatermark } from "./projection.progress.ts";
import type { ProjectedTodo } from "./todo.projection.ts";

export type CalendarDb = Kysely<CalendarTables>;
export type CalendarTrx = Transaction<CalendarTables>;

export interface ProgressRow {
  /** Every todo-stream sequence up to and including this one is reflected in the projection. */
  watermark: number;
  initialised: boolean;
}

/** One event's outcome for the projection: the todo's state it stands for (if any) and its sequence. */
export interface AppliedEvent {
  eventId: string;
  next: ProjectedTodo | undefined;
  sequence: number | undefined;
}

/** A consistent copy of the todo service's todos and the outbox sequence it corresponds to. */
export interface TodoSnapshot {
  sequence: number;
  todos: TodoState[];
}

const UPSERT_BATCH = 1_000;
const COMPACT_BATCH = 10_000;

/** Persistence of the todo projection; Kysely row types stay in here. */
export class TodoProjectionRepository {
  async progress(db: CalendarDb | CalendarTrx): Promise<ProgressRow> {
    const row = await db
      .selectFrom("projection_progress")
      .select(["watermark", "initialised_at"])
      .where("id", "=", 1)
      .executeTakeFirstOrThrow();
    return { watermark: Number(row.watermark), initialised: row.initialised_at !== null };
  }

  /**
   * Applies the outcomes of a batch of events in ONE statement, each effectively once: an inbox row per
   * (consumer, event id); each todo's newest state in the batch unless the stored version is already as new
   * (the same rule as `evolve`, enforced here so concurrent batches for one todo converge on the highest
   * version); and the events' sequences. No row shared by other events is written. An event id given twice
   * is applied once: its later copies answer "duplicate".
   */
  async applyAll(
    db: CalendarDb,
    consumer: string,
    items: AppliedEvent[],
  ): Promise<("processed" | "duplicate")[]> {
    const firstOf = new Map<string, number>();
    items.forEach((item, i) => {
      if (!firstOf.has(item.eventId)) firstOf.set(item.eventId, i);
    });
    const input = [...firstOf.values()].map((i) => {
      const { eventId, next, sequence } = items[i] as AppliedEvent;
      return {
        event_id: eventId,
        id: next?.todo.id ?? null,
        state: next?.todo ?? null,
        version: next?.todo.version ?? null,
        deleted: next?.deleted ?? null,
        sequence: sequence ?? null,
      };
    });
    // Rows are taken in key order in every table, so two batches never wait for each other in a cycle. One
    // text for any batch (the batch is one jsonb parameter): a named statement, parsed and planned once.
    const { rows } = await executePrepared(
      db,
      sql<{ event_id: string }>`
      WITH input AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(input)}::jsonb)
          AS x(event_id uuid, id integer, state jsonb, version integer, deleted boolean, sequence bigint)
      ),
      inbox AS (
        INSERT INTO processed_events (consumer, event_id)
        SELECT ${consumer}, event_id FROM input ORDER BY event_id
        ON CONFLICT DO NOTHING RETURNING event_id
      ),
      fresh AS (SELECT input.* FROM input JOIN inbox USING (event_id)),
      upserted AS (
        INSERT INTO todos_projection (id, state, version, deleted, sequence)
        SELECT DISTINCT ON (id) id, state, version, deleted, coalesce(sequence, 0) FROM fresh
        WHERE id IS NOT NULL ORDER BY id, version DESC
        ON CONFLICT (id) DO UPDATE SET state = excluded.state, version = excluded.version,
          deleted = excluded.deleted, sequence = excluded.sequence,
          changed_xid = pg_current_xact_id(), changed_at = now()
        WHERE todos_projection.version < excluded.version
      ),
      applied AS (
        INSERT INTO todo_stream_applied (sequence)
        SELECT sequence FROM fresh WHERE sequence IS NOT NULL ORDER BY sequence
        ON CONFLICT DO NOTHING
      )
      SELECT event_id::text AS event_id FROM inbox`,
    );
    const processed = new Set(rows.map((r) => r.event_id));
    return items.map((item, i) =>
      firstOf.get(item.eventId) === i && processed.has(item.eventId) ? "processed" : "duplicate",
    );
  }

  /**
   * In ONE statement: records `sequence` as reflected (a CalendarRequested is part of the todo stream too)
   * and answers whether every sequence before it is applied, counting the applied rows above the watermark.
   */
  async seenAndCaughtUp(db: CalendarDb, sequence: number): Promise<ProgressRow & { caughtUp: boolean }> {
    const { rows } = await executePrepared(
      db,
      sql<{ watermark: string; initialised: boolean; applied: string }>`
      WITH seen AS (
        INSERT INTO todo_stream_applied (sequence) VALUES (${sequence}) ON CONFLICT DO NOTHING
      )
      SELECT p.watermark::text AS watermark, p.initialised_at IS NOT NULL AS initialised,
        (SELECT count(*) FROM todo_stream_applied a
          WHERE a.sequence > p.watermark AND a.sequence < ${sequence})::text AS applied
      FROM projection_progress p WHERE p.id = 1`,
    );
    const row = rows[0];
    if (!row) throw new Error("projection_progress row missing");
    const watermark = Number(row.watermark);
    const caughtUp = watermark >= sequence - 1 || Number(row.applied) === sequence - 1 - watermark;
    return { watermark, initialised: row.initialised, caughtUp };
  }

  /** Moves the watermark over the applied sequences and forgets the rows it now covers. */
  async compact(db: CalendarDb): Promise<ProgressRow> {
    return db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom("projection_progress")
        .select(["watermark", "initialised_at"])
        .where("id", "=", 1)
        .forUpdate()
        .executeTakeFirstOrThrow();
      const watermark = Number(row.watermark);
      const above = await trx
        .selectFrom("todo_stream_applied")
        .select("sequence")
        .where("sequence", ">", sql<string>`${watermark}`)
        .orderBy("sequence")
        .limit(COMPACT_BATCH)
        .execute();
      const next = advanceWatermark(
        watermark,
        above.map((r) => Number(r.sequence)),
      );
      if (next > watermark) {
        await trx.updateTable("projection_progress").set({ watermark: next }).where("id", "=", 1).execute();
      }
      await trx.deleteFrom("todo_stream_applied").where("sequence", "<=", sql<string>`${next}`).execute();
      return { watermark: next, initialised: row.initialised_at !== null };
    });
  }

  /** Every todo that is not deleted, in id order. */
  async active(db: CalendarDb): Promise<TodoState[]> {
    const rows = await db
      .selectFrom("todos_projection")
      .select("state")
      .where("deleted", "=", false)
      .orderBy("id")
      .execute();
    return rows.map((r) => r.state);
  }

  /**
   * Merges a snapshot: newer versions win row by row, todos absent from it that we last saw at or before
   * its sequence were deleted, and the watermark covers its sequence. Rows from events after the snapshot
   * are kept, so merging is safe while events keep arriving.
   */
  async mergeSnapshot(trx: CalendarTrx, snapshot: TodoSnapshot, now: Date): Promise<ProgressRow> {
    const { watermark } = await trx
      .selectFrom("projection_progress")
      .select("watermark")
      .where("id", "=", 1)
      .forUpdate()
      .executeTakeFirstOrThrow();
    for (let i = 0; i < snapshot.todos.length; i += UPSERT_BATCH) {
      const batch = snapshot.todos.slice(i, i + UPSERT_BATCH).map((todo) => ({
        id: todo.id,
        state: JSON.stringify(todo),
        version: todo.version,
        deleted: false,
        sequence: snapshot.sequence,
      }));
      await trx
        .insertInto("todos_projection")
        .values(batch)
        .onConflict((oc) =>
          oc
            .column("id")
            .doUpdateSet({
              state: sql`excluded.state`,
              version: sql`excluded.version`,
              deleted: false,
              sequence: sql`excluded.sequence`,
              changed_xid: sql`pg_current_xact_id()`,
              changed_at: sql`now()`,
            })
            .where("todos_projection.version", "<", sql<number>`excluded.version`),
        )
        .execute();
    }
    const ids = snapshot.todos.map((t) => t.id);
    await trx
      .updateTable("todos_projection")
      .set({ deleted: true, changed_xid: sql`pg_current_xact_id()`, changed_at: sql`now()` })
      .where("deleted", "=", false)
      .where("sequence", "<=", sql<string>`${snapshot.sequence}`)
      .where(sql<boolean>`id <> ALL(${sql.val(ids)}::integer[])`)
      .execute();
    const next = Math.max(Number(watermark), snapshot.sequence);
    await trx
      .updateTable("projection_progress")
      .set({ watermark: next, initialised_at: now })
      .where("id", "=", 1)
      .execute();
    await trx.deleteFrom("todo_stream_applied").where("sequence", "<=", sql<string>`${next}`).execute();
    return { watermark: next, initialised: true };
  }
}
