import type { InboxTables } from "@taskoverflow/messaging";
import type { ColumnType } from "kysely";

/** Row types of the job-status service; only repositories and migrations import this file. */
export interface JobTable {
  id: string;
  status: string;
  requested_at: Date | null;
  updated_at: Date;
  bucket: string | null;
  key: string | null;
  size: ColumnType<string | null, number | null, number | null>;
  sha256: string | null;
  event_count: number | null;
  error: string | null;
  last_event_at: Date;
}

export interface JobStatusTables extends InboxTables {
  jobs: JobTable;
}
