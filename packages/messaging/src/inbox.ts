import { type Kysely, sql, type Transaction } from "kysely";
import type { Migration } from "kysely/migration";

/** The consumer side of effectively-once: which events each consumer has already applied. */
export const inboxMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("processed_events")
      .addColumn("consumer", "text", (c) => c.notNull())
      .addColumn("event_id", "uuid", (c) => c.notNull())
      .addColumn("processed_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint("processed_events_pk", ["consumer", "event_id"])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("processed_events").execute();
  },
};

export interface InboxTables {
  processed_events: { consumer: string; event_id: string; processed_at: Date };
}

/**
 * Runs `effects` at most once per (consumer, event id): the id is inserted first, in the same transaction
 * as the effects, so they commit together or not at all. A redelivered event finds the row and is skipped;
 * a concurrent duplicate waits on the row lock and then finds it.
 */
export async function processOnce<DB>(
  db: Kysely<DB>,
  { consumer, eventId }: { consumer: string; eventId: string },
  effects: (trx: Transaction<DB>) => Promise<void>,
): Promise<"processed" | "duplicate"> {
  return db.transaction().execute(async (trx) => {
    const inserted = await sql`
      INSERT INTO processed_events (consumer, event_id) VALUES (${consumer}, ${eventId})
      ON CONFLICT DO NOTHING RETURNING event_id`.execute(trx);
    if (inserted.rows.length === 0) return "duplicate";
    await effects(trx);
    return "processed";
  });
}
