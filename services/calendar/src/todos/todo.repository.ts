import type { TodoState } from "@taskoverflow/contracts";
import { type Kysely, sql, type Transaction } from "kysely";
import type { CalendarTables } from "../db/tables.ts";
import { coverUpTo, type Progress } from "./projection.progress.ts";
import type { ProjectedTodo } from "./todo.projection.ts";

export type CalendarDb = Kysely<CalendarTables>;
export type CalendarTrx = Transaction<CalendarTables>;

export interface ProgressRow extends Progress {
  initialised: boolean;
}

/** A consistent copy of the todo service's todos and the outbox sequence it corresponds to. */
export interface TodoSnapshot {
  sequence: number;
  todos: TodoState[];
}

const UPSERT_BATCH = 1_000;

/** Persistence of the todo projection; Kysely row types stay in here. */
export class TodoProjectionRepository {
  /** Reads the progress row; `forUpdate` serialises writers of the projection (one transaction at a time). */
  async progress(db: CalendarDb | CalendarTrx, forUpdate = false): Promise<ProgressRow> {
    let q = db.selectFrom("projection_progress").selectAll().where("id", "=", 1);
    if (forUpdate) q = q.forUpdate();
    const row = await q.executeTakeFirstOrThrow();
    return { watermark: Number(row.watermark), ahead: row.ahead, initialised: row.initialised_at !== null };
  }

  async saveProgress(trx: CalendarTrx, progress: Progress, initialised?: Date): Promise<void> {
    await trx
      .updateTable("projection_progress")
      .set({
        watermark: progress.watermark,
        ahead: JSON.stringify(progress.ahead),
        ...(initialised && { initialised_at: initialised }),
      })
      .where("id", "=", 1)
      .execute();
  }

  async find(trx: CalendarTrx, id: number): Promise<ProjectedTodo | undefined> {
    const row = await trx
      .selectFrom("todos_projection")
      .select(["state", "deleted"])
      .where("id", "=", id)
      .executeTakeFirst();
    return row && { todo: row.state, deleted: row.deleted };
  }

  async save(trx: CalendarTrx, { todo, deleted }: ProjectedTodo, sequence: number): Promise<void> {
    const values = { id: todo.id, state: JSON.stringify(todo), version: todo.version, deleted, sequence };
    await trx
      .insertInto("todos_projection")
      .values(values)
      .onConflict((oc) =>
        oc.column("id").doUpdateSet({ state: values.state, version: values.version, deleted, sequence }),
      )
      .execute();
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
    const progress = await this.progress(trx, true);
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
            })
            .where("todos_projection.version", "<", sql<number>`excluded.version`),
        )
        .execute();
    }
    const ids = snapshot.todos.map((t) => t.id);
    await trx
      .updateTable("todos_projection")
      .set({ deleted: true })
      .where("deleted", "=", false)
      .where("sequence", "<=", sql<string>`${snapshot.sequence}`)
      .where(sql<boolean>`id <> ALL(${sql.val(ids)}::integer[])`)
      .execute();
    const next = coverUpTo(progress, snapshot.sequence);
    await this.saveProgress(trx, next, now);
    return { ...next, initialised: true };
  }
}
