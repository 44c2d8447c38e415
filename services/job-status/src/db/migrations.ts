import { inboxMigration } from "@taskoverflow/messaging";
import type { Kysely } from "kysely";
import type { Migration } from "kysely/migration";

const jobs: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("jobs")
      .addColumn("id", "uuid", (c) => c.primaryKey())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("requested_at", "timestamptz")
      .addColumn("updated_at", "timestamptz", (c) => c.notNull())
      .addColumn("bucket", "text")
      .addColumn("key", "text")
      .addColumn("size", "bigint")
      .addColumn("sha256", "text")
      .addColumn("event_count", "integer")
      .addColumn("error", "text")
      .addColumn("last_event_at", "timestamptz", (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("jobs").execute();
  },
};

export const migrations: Record<string, Migration> = {
  "0001_jobs": jobs,
  "0002_inbox": inboxMigration,
};
