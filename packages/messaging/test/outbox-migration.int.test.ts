// A database migrated with the first outbox (counter row) moves to v2 in place: unpublished rows keep their
// positions as sequences, and numbering continues after the counter's value, gap-free.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createEvent, type DomainEvent } from "@taskoverflow/contracts";
import { createLogger, type Database, migrate, openDatabase } from "@taskoverflow/platform";
import { createTestDatabase, type TestDatabase, waitFor } from "@taskoverflow/test-harness";
import { sql } from "kysely";
import {
  createOutboxRelay,
  enqueueEvent,
  outboxMigration,
  outboxV2Migration,
  outboxV3Migration,
} from "../src/index.ts";

const log = createLogger({ service: "outbox-migration-test", level: "silent" });
const started = (jobId: string, sequence?: number) => ({
  ...createEvent("CalendarStarted", { jobId }, { correlationId: "m", producer: "todo" }),
  ...(sequence !== undefined && { sequence }),
});

describe("outbox migration v1 -> v2", () => {
  let server: TestDatabase;
  let database: Database<unknown>;

  beforeAll(async () => {
    server = await createTestDatabase();
    database = await openDatabase<unknown>({ url: server.url, dataDir: "memory" }, log);
  });
  afterAll(async () => {
    await database.close();
    await server.drop();
  });

  it("keeps v1 positions and continues numbering after the counter", async () => {
    const { db } = database;
    await migrate(db, { "001_outbox": outboxMigration }, log);
    // Three events written the v1 way: 1 published, 2 and 3 pending.
    for (const position of [1, 2, 3]) {
      const e = started(crypto.randomUUID(), position);
      await sql`INSERT INTO outbox (position, event_id, type, body, published_at)
        VALUES (${position}, ${e.id}, ${e.type}, ${JSON.stringify(e)},
                ${position === 1 ? sql`now()` : sql`NULL`})`.execute(db);
    }
    await sql`UPDATE outbox_sequence SET value = 3`.execute(db);

    await migrate(
      db,
      {
        "001_outbox": outboxMigration,
        "002_outbox_v2": outboxV2Migration,
        "003_outbox_v3": outboxV3Migration,
      },
      log,
    );
    await enqueueEvent(db as never, started(crypto.randomUUID()) as DomainEvent);
    await enqueueEvent(db as never, started(crypto.randomUUID()) as DomainEvent);

    const published: DomainEvent[] = [];
    const relay = createOutboxRelay({
      db,
      log,
      publisher: { publish: async (events) => void published.push(...events) },
      pollIntervalMs: 50,
    });
    await relay.start();
    try {
      await waitFor(() => published.length === 4, { what: "the pending events published" });
    } finally {
      await relay.stop();
    }
    expect(published.map((e) => e.sequence)).toEqual([2, 3, 4, 5]);
    const { rows } = await sql<{ sequence: string }>`SELECT sequence::text FROM outbox_head`.execute(db);
    expect(rows).toEqual([{ sequence: "5" }]);
  });
});
