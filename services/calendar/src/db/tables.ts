import type { TodoState } from "@taskoverflow/contracts";
import type { InboxTables, OutboxTables } from "@taskoverflow/messaging";
import type { ColumnType, Generated } from "kysely";

/** Row types of the calendar service; only repositories and migrations import this file. */
export interface TodoProjectionTable {
  id: number;
  state: ColumnType<TodoState, string, string>;
  version: number;
  deleted: boolean;
  sequence: ColumnType<string, number, number>;
  /** The transaction that last changed the row (xid8 as text); set by default and by every update. */
  changed_xid: Generated<string>;
  changed_at: Generated<Date>;
}

export interface ProjectionProgressTable {
  id: number;
  watermark: ColumnType<string, number, number>;
  initialised_at: Date | null;
}

export interface CalendarTables extends InboxTables, OutboxTables {
  todos_projection: TodoProjectionTable;
  projection_progress: ProjectionProgressTable;
  /** Sequences applied above the watermark (one row each; compaction removes those it covers). */
  todo_stream_applied: { sequence: ColumnType<string, number, number> };
}
