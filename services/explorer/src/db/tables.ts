import type { InboxTables } from "@taskoverflow/messaging";
import type { ColumnType, Generated } from "kysely";

/** Row types of the explorer; only repositories and migrations import this file. */
export interface EventTable {
  /** Order of recording: the keyset of GET /events and the cursor of the live stream. */
  seq: ColumnType<string, never, never> & Generated<string>;
  id: string;
  type: string;
  version: number;
  producer: string;
  sequence: ColumnType<string | null, number | null, never>;
  correlation_id: string;
  occurred_at: Date;
  recorded_at: Date;
  payload_summary: string;
  payload_bytes: number;
  payload_truncated: boolean;
  routed_to: ColumnType<string[], string, never>;
  /** xid8 of the inserting transaction, as text. */
  tx: ColumnType<string, never, never>;
}

export interface ExplorerTables extends InboxTables {
  events: EventTable;
}
