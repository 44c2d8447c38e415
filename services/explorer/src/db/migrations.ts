import { inboxMigration } from "@taskoverflow/messaging";
import { type Kysely, sql } from "kysely";
import type { Migration } from "kysely/migration";

const events: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("events")
      .addColumn("seq", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
      .addColumn("id", "uuid", (c) => c.notNull().unique())
      .addColumn("type", "text", (c) => c.notNull())
      .addColumn("version", "integer", (c) => c.notNull())
      .addColumn("producer", "text", (c) => c.notNull())
      .addColumn("sequence", "bigint")
      .addColumn("correlation_id", "text", (c) => c.notNull())
      .addColumn("occurred_at", "timestamptz", (c) => c.notNull())
      .addColumn("recorded_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn("payload_summary", "text", (c) => c.notNull())
      .addColumn("payload_bytes", "integer", (c) => c.notNull())
      .addColumn("payload_truncated", "boolean", (c) => c.notNull())
      .addColumn("routed_to", "jsonb", (c) => c.notNull())
      // The inserting transaction: the live stream's cursor (seq is not in commit order; see event.repository.ts).
      .addColumn("tx", sql`xid8`, (c) => c.notNull().defaultTo(sql`pg_current_xact_id()`))
      .execute();
    // GET /events?type= and the timeline of one request (GET /correlations/{id}).
    await db.schema.createIndex("events_type_seq").on("events").columns(["type", "seq"]).execute();
    await db.schema
      .createIndex("events_correlation")
      .on("events")
      .columns(["correlation_id", "occurred_at"])
      .execute();
    await db.schema.createIndex("events_recorded_at").on("events").column("recorded_at").execute();
    await db.schema.createIndex("events_tx").on("events").column("tx").execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("events").execute();
  },
};

export const migrations: Record<string, Migration> = {
  "0001_inbox": inboxMigration,
  "0002_events": events,
};
