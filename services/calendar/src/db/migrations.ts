import { inboxMigration, outboxMigration } from "@taskoverflow/messaging";
import { type Kysely, sql } from "kysely";
import type { Migration } from "kysely/migration";

/** The todo projection and how far it has caught up with the todo service's outbox stream. */
const projection: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("todos_projection")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("state", "jsonb", (c) => c.notNull())
      .addColumn("version", "integer", (c) => c.notNull())
      .addColumn("deleted", "boolean", (c) => c.notNull().defaultTo(false))
      // The todo-stream sequence this row reflects (event or snapshot): a snapshot taken later that lacks
      // the row proves the todo was deleted.
      .addColumn("sequence", "bigint", (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createTable("projection_progress")
      .addColumn("id", "smallint", (c) => c.primaryKey())
      .addColumn("watermark", "bigint", (c) => c.notNull())
      .addColumn("ahead", "jsonb", (c) => c.notNull())
      .addColumn("initialised_at", "timestamptz")
      .execute();
    await sql`INSERT INTO projection_progress (id, watermark, ahead) VALUES (1, 0, '[]'::jsonb)`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("projection_progress").execute();
    await db.schema.dropTable("todos_projection").execute();
  },
};

export const migrations: Record<string, Migration> = {
  "0001_projection": projection,
  "0002_inbox": inboxMigration,
  "0003_outbox": outboxMigration,
};
