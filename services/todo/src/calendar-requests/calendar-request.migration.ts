import { createTablesMigration } from "@taskoverflow/platform";
import { sql } from "kysely";
import type { Migration } from "kysely/migration";

/**
 * Calendar jobs the todo service issued. The row commits in the same transaction as the CalendarRequested
 * event, so "was this task id ever issued?" has a synchronous answer even before any consumer saw the event.
 */
export const calendarRequestsMigration: Migration = createTablesMigration({
  calendar_requests: (t) =>
    t
      .addColumn("id", "uuid", (c) => c.primaryKey())
      .addColumn("filters", "jsonb", (c) => c.notNull())
      .addColumn("requested_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn("correlation_id", "text", (c) => c.notNull()),
});
