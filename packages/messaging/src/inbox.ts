import { createTablesMigration } from "@taskoverflow/platform";
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
 * The inbox claim, the one place it is written: inserts (consumer, event id) unless already there, returning
 * `event_id` when this call inserted it (a first delivery) and no row for a duplicate.
 */
export function inboxClaim({ consumer, eventId }: InboxEntry): RawBuilder<{ event_id: string }> {
  return sql`INSERT INTO processed_events (consumer, event_id) VALUES (${consumer}, ${eventId}::uuid)
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
    const inserted = await inboxClaim(entry).execute(trx);
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
  const { rows } = await sql<{ n: string } & R>`
    WITH inbox AS (${inboxClaim(entry)})${effects}
    SELECT (SELECT count(*) FROM inbox)::text AS n${columns}`.execute(db);
  const { n, ...answer } = rows[0] ?? { n: "0" };
  return { outcome: n === "1" ? "processed" : "duplicate", answer: answer as R };
}
