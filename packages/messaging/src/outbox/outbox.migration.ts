import { createTablesMigration } from "@taskoverflow/platform";
import { type Generated, type Kysely, sql } from "kysely";
import type { Migration } from "kysely/migration";

/**
 * The outbox, first version: `position` from one counter row that every writing transaction updated (and so
 * locked until it committed). Kept as it was so databases migrated with it stay valid; `outboxV2Migration`
 * turns it into the lock-free design below. New services apply both, in order.
 */
export const outboxMigration: Migration = createTablesMigration(
  {
    outbox_sequence: (t) =>
      t.addColumn("id", "smallint", (c) => c.primaryKey()).addColumn("value", "bigint", (c) => c.notNull()),
    outbox: (t) =>
      t
        .addColumn("position", "bigint", (c) => c.primaryKey())
        .addColumn("event_id", "uuid", (c) => c.notNull().unique())
        .addColumn("type", "text", (c) => c.notNull())
        .addColumn("body", "text", (c) => c.notNull())
        .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn("published_at", "timestamptz")
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("last_error", "text"),
  },
  async (db) => {
    await sql`INSERT INTO outbox_sequence (id, value) VALUES (1, 0)`.execute(db);
    await sql`CREATE INDEX outbox_pending ON outbox (position) WHERE published_at IS NULL`.execute(db);
  },
);

/**
 * The outbox without a shared write lock (docs/architecture.md, "Event backbone v2"). A writer inserts its
 * row with nothing but its own transaction id (`xid`, from `pg_current_xact_id()`) and an identity `id`;
 * `sequence` stays NULL. The relay holding the sequencer lock numbers rows after they committed, in
 * (xid, id) order, once their transaction is below the snapshot horizon, continuing from `outbox_head`.
 * Rows sequenced by the first version keep their numbers.
 */
export const outboxV2Migration: Migration = {
  async up(db: Kysely<unknown>) {
    const run = (q: ReturnType<typeof sql>) => q.execute(db);
    await run(sql`ALTER TABLE outbox DROP CONSTRAINT outbox_pkey`);
    await run(sql`DROP INDEX outbox_pending`);
    await run(sql`ALTER TABLE outbox RENAME COLUMN position TO sequence`);
    await run(sql`ALTER TABLE outbox ALTER COLUMN sequence DROP NOT NULL`);
    await run(sql`ALTER TABLE outbox ADD CONSTRAINT outbox_sequence_key UNIQUE (sequence)`);
    await run(sql`ALTER TABLE outbox ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY`);
    await run(sql`ALTER TABLE outbox ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id()`);
    await run(sql`CREATE INDEX outbox_unsequenced ON outbox (xid, id) WHERE sequence IS NULL`);
    await run(
      sql`CREATE INDEX outbox_unpublished ON outbox (sequence) WHERE published_at IS NULL AND sequence IS NOT NULL`,
    );
    // Written only by the sequencer (under its lock): the last sequence handed out, kept when rows are deleted.
    await run(sql`CREATE TABLE outbox_head (id smallint PRIMARY KEY, sequence bigint NOT NULL)`);
    await run(sql`INSERT INTO outbox_head (id, sequence) SELECT 1, value FROM outbox_sequence WHERE id = 1`);
    await run(sql`DROP TABLE outbox_sequence`);
  },
};

/**
 * Publishing tracked by a watermark (docs/architecture.md §4): `outbox_head.published_through` is the highest
 * sequence up to which every row was accepted by SNS, advanced by the leader over the contiguous accepted prefix of
 * each batch. It replaces the per-row `published_at` UPDATE (a third full copy of every row, with its index
 * entries) and the partial index that found unpublished rows. `published_at` stays, no longer written, so a v2
 * relay still leading during a rolling deploy keeps working, though it sends again what v3 published (consumers
 * deduplicate by event id). Numbered rows not marked published when this runs go out again once.
 */
export const outboxV3Migration: Migration = {
  async up(db: Kysely<unknown>) {
    const run = (q: ReturnType<typeof sql>) => q.execute(db);
    await run(sql`ALTER TABLE outbox_head ADD COLUMN published_through bigint NOT NULL DEFAULT 0`);
    await run(sql`
      UPDATE outbox_head SET published_through = coalesce(
        (SELECT min(sequence) - 1 FROM outbox WHERE published_at IS NULL AND sequence IS NOT NULL), sequence)`);
    await run(sql`DROP INDEX outbox_unpublished`);
  },
};

export interface OutboxTables {
  outbox_head: { id: number; sequence: string; published_through: string };
  outbox: {
    id: Generated<string>;
    xid: Generated<string>;
    sequence: string | null;
    event_id: string;
    type: string;
    body: string;
    created_at: Generated<Date>;
    /** Written by v2 relays only; v3 tracks publishing by `outbox_head.published_through`. */
    published_at: Date | null;
    attempts: Generated<number>;
    last_error: string | null;
  };
}
