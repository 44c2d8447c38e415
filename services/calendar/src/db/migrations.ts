import {
  inboxMigration,
  outboxMigration,
  outboxV2Migration,
  outboxV3Migration,
} from "@taskoverflow/messaging";
import { createTablesMigration } from "@taskoverflow/platform";
import { type Kysely, sql } from "kysely";
import type { Migration } from "kysely/migration";

/** The todo projection and how far it has caught up with the todo service's outbox stream. */
const projection = createTablesMigration(
  {
    todos_projection: (t) =>
      t
        .addColumn("id", "integer", (c) => c.primaryKey())
        .addColumn("state", "jsonb", (c) => c.notNull())
        .addColumn("version", "integer", (c) => c.notNull())
        .addColumn("deleted", "boolean", (c) => c.notNull().defaultTo(false))
        // The todo-stream sequence this row reflects (event or snapshot): a snapshot taken later that lacks
        // the row proves the todo was deleted.
        .addColumn("sequence", "bigint", (c) => c.notNull().defaultTo(0)),
    projection_progress: (t) =>
      t
        .addColumn("id", "smallint", (c) => c.primaryKey())
        .addColumn("watermark", "bigint", (c) => c.notNull())
        .addColumn("ahead", "jsonb", (c) => c.notNull())
        .addColumn("initialised_at", "timestamptz"),
  },
  async (db) => {
    await sql`INSERT INTO projection_progress (id, watermark, ahead) VALUES (1, 0, '[]'::jsonb)`.execute(db);
  },
);

/**
 * Applied sequences get a row each, so applying an event updates no shared row (the watermark is derived
 * from them and compacted); the old `ahead` list moves into it.
 */
const appliedSequences: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`CREATE TABLE todo_stream_applied (sequence bigint PRIMARY KEY)`.execute(db);
    await sql`INSERT INTO todo_stream_applied (sequence)
      SELECT DISTINCT value::bigint FROM projection_progress, jsonb_array_elements_text(ahead) AS value
      ON CONFLICT DO NOTHING`.execute(db);
    await sql`ALTER TABLE projection_progress DROP COLUMN ahead`.execute(db);
  },
};

/**
 * The feed follows the projection by its changes: each row records the transaction that last changed it
 * (`changed_xid`, so a reader can ask for "rows committed since my last snapshot" without a shared counter
 * row) and when (`changed_at`, the feed's Last-Modified; tombstones keep theirs, so it never moves back).
 */
const feedChanges: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`ALTER TABLE todos_projection
      ADD COLUMN changed_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
      ADD COLUMN changed_at timestamptz NOT NULL DEFAULT now()`.execute(db);
    await sql`CREATE INDEX todos_projection_changed_xid ON todos_projection (changed_xid)`.execute(db);
  },
};

/**
 * The feed reads its changes in (changed_xid, id) order from this index (feed.changes.ts changesPage): the
 * index finds and sorts them, so a refresh reads the changed rows only, whatever the planner's statistics say.
 * It replaces the index on changed_xid alone, whose plan the planner could trade for a primary-key walk over
 * the whole table.
 */
const feedChangesIndex: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`CREATE INDEX todos_projection_changes ON todos_projection (changed_xid, id)`.execute(db);
    await sql`DROP INDEX todos_projection_changed_xid`.execute(db);
  },
};

export const migrations: Record<string, Migration> = {
  "0001_projection": projection,
  "0002_inbox": inboxMigration,
  "0003_outbox": outboxMigration,
  "0004_outbox_v2": outboxV2Migration,
  "0005_applied_sequences": appliedSequences,
  "0006_feed_changes": feedChanges,
  "0007_feed_changes_index": feedChangesIndex,
  "0008_outbox_watermark": outboxV3Migration,
};
