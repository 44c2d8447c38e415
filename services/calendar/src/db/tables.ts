import type { TodoState } from "@taskoverflow/contracts";
import type { InboxTables, OutboxTables } from "@taskoverflow/messaging";
import type { ColumnType } from "kysely";

/** Row types of the calendar service; only repositories and migrations import this file. */
export interface TodoProjectionTable {
  id: number;
  state: ColumnType<TodoState, string, string>;
  version: number;
  deleted: boolean;
  sequence: ColumnType<string, number, number>;
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
