import type { CalendarFilters } from "@taskoverflow/contracts";
import type { OutboxTables } from "@taskoverflow/messaging";
import type { ColumnType } from "kysely";

/** Row type of `calendar_requests`; only this module's routes and migration use it. */
export interface CalendarRequestTable {
  id: string;
  filters: ColumnType<CalendarFilters, string, never>;
  requested_at: ColumnType<Date, Date, never>;
  correlation_id: string;
}

export interface CalendarRequestTables {
  calendar_requests: CalendarRequestTable;
}

/** What the module needs of the todo service's database: its own table and the outbox. */
export type CalendarRequestDatabase = CalendarRequestTables & OutboxTables;
