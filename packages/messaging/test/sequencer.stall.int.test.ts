// The sequencer when an old transaction holds numbering back: the relay waits (numbering stays gap-free and in
// commit order), warns naming the blocking transaction, and publishes both events in order once it ends.
import { describe, expect, it } from "@jest/globals";
import { createEvent, type DomainEvent } from "@taskoverflow/contracts";
import { createLogger } from "@taskoverflow/platform";
import { waitFor } from "@taskoverflow/test-harness";
import { sql } from "kysely";
import { createOutboxRelay } from "../src/index.ts";
import { useTestDb } from "./backbone.ts";
import { createTodo, holdOpenTransaction } from "./pipeline.ts";

const log = createLogger({ service: "sequencer-test", level: "silent" });

describe("outbox sequencer on PostgreSQL, behind an open transaction", () => {
  const testDb = useTestDb(log);

  it("names the open transaction that holds numbering back", async () => {
    const db = testDb.db;
    await sql`TRUNCATE outbox, todos_test`.execute(db);
    await sql`UPDATE outbox_head SET sequence = 0, published_through = 0`.execute(db);
    const lines: Array<Record<string, unknown>> = [];
    const capture = createLogger({
      service: "sequencer-test",
      level: "warn",
      destination: { write: (l: string) => void lines.push(JSON.parse(l)) },
    });
    const published: DomainEvent[] = [];
    const relay = createOutboxRelay({
      db,
      log: capture,
      publisher: { publish: async (events) => void published.push(...events) },
      pollIntervalMs: 50,
      stallWarnMs: 200,
      stallCheckIntervalMs: 50,
    });
    const blocker = await holdOpenTransaction(
      db,
      createEvent(
        "CalendarStarted",
        { jobId: crypto.randomUUID() },
        { correlationId: "blocker", producer: "todo" },
      ),
    );
    await relay.start();
    try {
      const behind = await createTodo(db, "behind the blocker");
      const warning = await waitFor(
        () => lines.find((l) => String(l.msg).includes("wait for an older open transaction")),
        { what: `the stall warning (logged: ${JSON.stringify(lines)})` },
      );
      expect(warning).toMatchObject({
        blockingPid: expect.any(Number),
        blockingAgeSeconds: expect.any(Number),
      });
      expect(published).toEqual([]);
      blocker.release();
      await blocker.committed;
      await waitFor(() => published.length === 2, { what: "both events published" });
      expect(published.map((e) => [e.sequence, e.id === behind.id])).toEqual([
        [1, false],
        [2, true],
      ]);
    } finally {
      blocker.release();
      await relay.stop();
    }
  });
});
