import { type Kysely, sql } from "kysely";
import type { Migration } from "kysely/migration";

/**
 * Calendar jobs the todo service issued. The row commits in the same transaction as the CalendarRequested
 * event, so "was this task id ever issued?" has a synchronous answer even before any consumer saw the event.
 */
export const calendarRequestsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("calendar_requests")
      .addColumn("id", "uuid", (c) => c.primaryKey())
      .addColumn("filters", "jsonb", (c) => c.notNull())
      .addColumn("requested_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn("correlation_id", "text", (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("calendar_requests").execute();
  },
};
