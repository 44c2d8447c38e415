import { inboxMigration } from "@taskoverflow/messaging";
import { createTablesMigration } from "@taskoverflow/platform";
import type { Migration } from "kysely/migration";

const jobs = createTablesMigration({
  jobs: (t) =>
    t
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
      .addColumn("last_event_at", "timestamptz", (c) => c.notNull()),
});

export const migrations: Record<string, Migration> = {
  "0001_jobs": jobs,
  "0002_inbox": inboxMigration,
};
