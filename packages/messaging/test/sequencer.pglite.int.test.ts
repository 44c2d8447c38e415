// The leader on PGlite (`npm start`): the relay's session is the database's one shared session. It takes the
// sequencer lock there, numbers and publishes in order, and holds nothing that would block other queries.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { DomainEvent } from "@taskoverflow/contracts";
import { createLogger } from "@taskoverflow/platform";
import { waitFor } from "@taskoverflow/test-harness";
import { sql } from "kysely";
import { createOutboxRelay, SEQUENCER_LOCK } from "../src/index.ts";
import { createTodo, openTestDb, type TestDb } from "./pipeline.ts";

const log = createLogger({ service: "sequencer-pglite-test", level: "silent" });

describe("outbox relay on PGlite", () => {
  let db: TestDb;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ db, close } = await openTestDb(undefined, log));
  });
  afterAll(async () => {
    await close();
  });

  const lockHeld = async () =>
    (
      await sql`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
        AND ((classid::bigint << 32) | objid::bigint) = ${SEQUENCER_LOCK}::bigint`.execute(db)
    ).rows.length > 0;

  it("leads on the shared session, publishes 1..N in order while writes go on, and lets go on stop", async () => {
    const published: DomainEvent[] = [];
    const relay = createOutboxRelay({
      db,
      log,
      publisher: { publish: async (events) => void published.push(...events) },
      batchSize: 4,
      pollIntervalMs: 50,
    });
    await relay.start();
    try {
      await waitFor(() => relay.leading, { what: "the relay to lead" });
      expect(await lockHeld()).toBe(true);
      const written: DomainEvent[] = [];
      // Writes while it leads: nothing waits for the relay between its statements.
      for (let i = 0; i < 11; i++) {
        written.push(await createTodo(db, `p${i}`));
        relay.wake();
      }
      await waitFor(() => published.length === 11, { what: "11 events published" });
      expect(published.map((e) => e.id)).toEqual(written.map((e) => e.id));
      expect(published.map((e) => e.sequence)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
    } finally {
      await relay.stop();
    }
    expect(relay.leading).toBe(false);
    expect(await lockHeld()).toBe(false);
  });
});
