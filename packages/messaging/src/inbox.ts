import { createTablesMigration, executePrepared } from "@taskoverflow/platform";
import { type Kysely, type RawBuilder, sql, type Transaction } from "kysely";
import type { Migration } from "kysely/migration";

/** The consumer side of effectively-once: which events each consumer has already applied. */
export const inboxMigration: Migration = createTablesMigration({
  processed_events: (t) =>
    t
      .addColumn("consumer", "text", (c) => c.notNull())
      .addColumn("event_id", "uuid", (c) => c.notNull())
      .addColumn("processed_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint("processed_events_pk", ["consumer", "event_id"]),
});

export interface InboxTables {
  processed_events: { consumer: string; event_id: string; processed_at: Date };
}

export interface InboxEntry {
  consumer: string;
  eventId: string;
}

/**
 * The inbox claim, the one place it is written: inserts (consumer, event id) for each entry unless already there,
 * returning `event_id` for each row this call inserted (a first delivery) and none for a duplicate. The rows go in
 * in event id order, so two claims of overlapping sets take their row locks in one order and cannot deadlock.
 */
export function inboxClaim(entries: readonly InboxEntry[]): RawBuilder<{ event_id: string }> {
  const list = [...entries].sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
  if (list.length === 0) throw new Error("inboxClaim: no entries");
  const rows = list.map(({ consumer, eventId }) => sql`(${consumer}, ${eventId}::uuid)`);
  return sql`INSERT INTO processed_events (consumer, event_id) VALUES ${sql.join(rows)}
    ON CONFLICT DO NOTHING RETURNING event_id`;
}

/**
 * Runs `effects` at most once per (consumer, event id): the id is inserted first, in the same transaction
 * as the effects, so they commit together or not at all. A redelivered event finds the row and is skipped;
 * a concurrent duplicate waits on the row lock and then finds it.
 */
export async function processOnce<DB>(
  db: Kysely<DB>,
  entry: InboxEntry,
  effects: (trx: Transaction<DB>) => Promise<void>,
): Promise<"processed" | "duplicate"> {
  return db.transaction().execute(async (trx) => {
    const inserted = await inboxClaim([entry]).execute(trx);
    if (inserted.rows.length === 0) return "duplicate";
    await effects(trx);
    return "processed";
  });
}

/**
 * The same in ONE statement (no transaction to hold open): the claim is the CTE `inbox`, and `effects` are
 * further CTEs (`, name AS (INSERT ... SELECT ... FROM inbox)`) that write only when the claim returned its row.
 */
export async function processOnceInOneStatement<DB>(
  db: Kysely<DB> | Transaction<DB>,
  entry: InboxEntry,
  effects: RawBuilder<unknown>,
): Promise<"processed" | "duplicate"> {
  return (await processOnceInOneStatementAnswering(db, entry, effects, sql<object>``)).outcome;
}

/**
 * `processOnceInOneStatement` that also answers what the effects' CTEs say: `columns` is the rest of the final
 * select list, each a scalar sub-select over them (`, (SELECT status FROM job) AS status`); a CTE that wrote
 * nothing answers null.
 */
export async function processOnceInOneStatementAnswering<DB, R extends object>(
  db: Kysely<DB> | Transaction<DB>,
  entry: InboxEntry,
  effects: RawBuilder<unknown>,
  columns: RawBuilder<R>,
): Promise<{ outcome: "processed" | "duplicate"; answer: R }> {
  const { processed, answer } = await processAllOnceInOneStatementAnswering(db, [entry], effects, columns);
  return { outcome: processed.size === 1 ? "processed" : "duplicate", answer };
}

/**
 * Several events whose effects are one (job-status: the events of one job that came in one receive, applied as
 * one merge) in ONE statement: the claim of every entry is the CTE `inbox` (a row per first delivery), `claimed`
 * has one row when any entry was new, and `effects` write `FROM claimed`. Answers which event ids were new (the
 * others are duplicates) and what `columns` say. A named prepared statement on PostgreSQL (platform's
 * `executePrepared`): `effects` and `columns` must take their values as parameters, so that the texts are few
 * (one per number of entries and shape of effects).
 */
export async function processAllOnceInOneStatementAnswering<DB, R extends object>(
  db: Kysely<DB> | Transaction<DB>,
  entries: readonly InboxEntry[],
  effects: RawBuilder<unknown>,
  columns: RawBuilder<R>,
): Promise<{ processed: ReadonlySet<string>; answer: R }> {
  const { rows } = await executePrepared(
    db,
    sql<{ processed: string } & R>`
    WITH inbox AS (${inboxClaim(entries)}), claimed AS (SELECT 1 FROM inbox LIMIT 1)${effects}
    SELECT (SELECT coalesce(string_agg(event_id::text, ','), '') FROM inbox) AS processed${columns}`,
  );
  const { processed, ...answer } = rows[0] ?? { processed: "" };
  return { processed: new Set(processed === "" ? [] : processed.split(",")), answer: answer as R };
}
