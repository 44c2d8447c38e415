import { outboxMigration, outboxV2Migration, outboxV3Migration } from "@taskoverflow/messaging";
import type { Migration } from "kysely/migration";
import { calendarRequestsMigration } from "../../calendar-requests/index.ts";
import * as todos from "./0001_todos.ts";
import * as todoJson from "./0005_todo_json.ts";
import * as todoJsonCompact from "./0006_todo_json_compact.ts";
import * as outboxXid from "./0007_outbox_xid.ts";

/** Every migration of the todo service, applied in name order at start-up. */
export const migrations: Record<string, Migration> = {
  "0001_todos": todos,
  "0002_outbox": outboxMigration,
  "0003_calendar_requests": calendarRequestsMigration,
  "0004_outbox_v2": outboxV2Migration,
  "0005_todo_json": todoJson,
  "0006_todo_json_compact": todoJsonCompact,
  "0007_outbox_xid": outboxXid,
  "0008_outbox_watermark": outboxV3Migration,
};
