import { type Generated, type Kysely, sql } from "kysely";
import type { Migration } from "kysely/migration";

/**
 * The outbox: events written in the same transaction as the change they describe.
 * `position` is gapless and in commit order because it comes from one counter row that each writing
 * transaction updates (and so locks until it commits); a rolled-back transaction gives its number back.
 */
export const outboxMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("outbox_sequence")
      .addColumn("id", "smallint", (c) => c.primaryKey())
      .addColumn("value", "bigint", (c) => c.notNull())
      .execute();
    await sql`INSERT INTO outbox_sequence (id, value) VALUES (1, 0)`.execute(db);
    await db.schema
      .createTable("outbox")
      .addColumn("position", "bigint", (c) => c.primaryKey())
      .addColumn("event_id", "uuid", (c) => c.notNull().unique())
      .addColumn("type", "text", (c) => c.notNull())
      .addColumn("body", "text", (c) => c.notNull())
      .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn("published_at", "timestamptz")
      .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("last_error", "text")
      .execute();
    await sql`CREATE INDEX outbox_pending ON outbox (position) WHERE published_at IS NULL`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("outbox").execute();
    await db.schema.dropTable("outbox_sequence").execute();
  },
};

export interface OutboxTables {
  outbox_sequence: { id: number; value: string };
  outbox: {
    position: string;
    event_id: string;
    type: string;
    body: string;
    created_at: Generated<Date>;
    published_at: Date | null;
    attempts: Generated<number>;
    last_error: string | null;
  };
}
