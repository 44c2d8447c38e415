// The sequencer's contract, checked as a property on a real PostgreSQL server: whatever the interleaving of
// writers (some rolling back, one holding its transaction open), two relays (one leads and is killed
// mid-publish, the other stands by and takes over) and a broker that is unreachable for a while, the published sequences are exactly 1..N, each event keeps
// one sequence, and a change that committed before another began has the lower sequence.
import { describe, expect, it } from "@jest/globals";
import { createEvent, type DomainEvent } from "@taskoverflow/contracts";
import { createLogger, openDatabase } from "@taskoverflow/platform";
import { waitFor } from "@taskoverflow/test-harness";
import { sql } from "kysely";
import { createOutboxRelay, type EventPublisher, enqueueEvent, type OutboxRelay } from "../src/index.ts";
import { useTestDb } from "./backbone.ts";
import { createTodo, holdOpenTransaction } from "./pipeline.ts";

const log = createLogger({ service: "sequencer-test", level: "silent" });

/** A small seeded PRNG (mulberry32): a failing run is reproduced from the seed it prints. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Committed {
  id: string;
  began: number;
  committed: number;
}

/** The broker as the relays see it: records what was accepted; can be made unreachable. */
function recordingBroker() {
  const accepted: DomainEvent[] = [];
  const batches: number[][] = [];
  let down = false;
  const publisher = (onAccepted?: (events: DomainEvent[]) => Promise<void>): EventPublisher => ({
    async publish(events) {
      if (down) throw new Error("broker unreachable");
      accepted.push(...events);
      batches.push(events.map((e) => e.sequence as number));
      await onAccepted?.(events);
    },
  });
  return {
    accepted,
    batches,
    publisher,
    setDown(value: boolean) {
      down = value;
    },
  };
}

describe("outbox sequencer on PostgreSQL", () => {
  const testDb = useTestDb(log);

  it.each([20261201, 7, 424242])(
    "numbers 1..N gap-free and in commit order (seed %i)",
    async (seed) => {
      const db = testDb.db;
      const rand = random(seed);
      await sql`TRUNCATE outbox, todos_test`.execute(db);
      await sql`UPDATE outbox_head SET sequence = 0, published_through = 0`.execute(db);
      const broker = recordingBroker();
      const relayOptions = { log, pollIntervalMs: 50, retryBaseMs: 10, retryMaxMs: 100, batchSize: 7 };

      // Relay A has connections of its own and leads; on its first batch it is killed after the broker accepted
      // the batch but before it could mark it published (its backends are terminated, as when its task dies,
      // and with its session the sequencer lock). Relay B stands by until then.
      const aUrl = `${testDb.url}${testDb.url.includes("?") ? "&" : "?"}application_name=relay-a-${seed}`;
      const aDb = await openDatabase<unknown>({ url: aUrl, dataDir: "memory" }, log);
      let aBatches = 0;
      let aKilled = false;
      const relayA: OutboxRelay = createOutboxRelay({
        ...relayOptions,
        db: aDb.db,
        publisher: broker.publisher(async () => {
          aBatches += 1;
          if (aBatches !== 1) return;
          aKilled = true;
          await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                  WHERE application_name = ${`relay-a-${seed}`}`.execute(db);
        }),
      });
      const relayB = createOutboxRelay({ ...relayOptions, db, publisher: broker.publisher() });
      await relayA.start();
      await waitFor(() => relayA.leading, { what: "relay A to lead" });
      await relayB.start();

      const committed: Committed[] = [];
      let rolledBack = 0;
      const writer = async (w: number) => {
        for (let i = 0; i < 15; i++) {
          const began = performance.now();
          const mode = rand();
          if (mode < 0.4) {
            // The production shape: one statement, row and event together.
            const event = await createTodo(db, `w${w}-${i}`);
            committed.push({ id: event.id, began, committed: performance.now() });
          } else {
            // A multi-statement transaction; some roll back after writing their event.
            const rollback = mode > 0.85;
            const event = createEvent(
              "CalendarStarted",
              { jobId: crypto.randomUUID() },
              {
                correlationId: `w${w}`,
                producer: "todo",
              },
            );
            try {
              await db.transaction().execute(async (trx) => {
                await sql`INSERT INTO todos_test (title) VALUES (${`t${w}-${i}`})`.execute(trx);
                await enqueueEvent(trx, event);
                if (rollback) throw new Error("rolled back on purpose");
              });
              committed.push({ id: event.id, began, committed: performance.now() });
            } catch (err) {
              if (!rollback) throw err;
              rolledBack += 1;
            }
          }
          relayA.wake();
          relayB.wake();
          if (rand() < 0.3) await new Promise((r) => setImmediate(r));
        }
      };

      // A transaction that stays open while everything else commits: it holds the horizon back, so nothing
      // that got a transaction id after it may be numbered before it ends (or a gap could open below it).
      const longBegan = performance.now();
      const longEvent = createEvent(
        "CalendarStarted",
        { jobId: crypto.randomUUID() },
        {
          correlationId: "long",
          producer: "todo",
        },
      );
      const long = await holdOpenTransaction(db, longEvent);

      const writers = Array.from({ length: 8 }, (_, w) => writer(w));
      // The broker goes away for a while in the middle of the run.
      await waitFor(() => committed.length >= 30, { what: "30 commits" });
      broker.setDown(true);
      await waitFor(() => committed.length >= 60, { what: "60 commits" });
      broker.setDown(false);
      await Promise.all(writers);
      long.release();
      await long.committed;
      committed.push({ id: longEvent.id, began: longBegan, committed: performance.now() });

      const distinct = () => new Set(broker.accepted.map((e) => e.id));
      try {
        await waitFor(() => distinct().size === committed.length, {
          timeoutMs: 30_000,
          what: `all ${committed.length} committed events published (seed ${seed})`,
        });
      } finally {
        await relayB.stop();
        await relayA.stop().catch(() => {});
        await aDb.close().catch(() => {});
      }

      expect(aKilled).toBe(true);
      expect(rolledBack).toBeGreaterThan(0);
      // Each event keeps one sequence, even when it was sent twice (the killed relay's batch).
      const sequenceOf = new Map<string, number>();
      for (const e of broker.accepted) {
        expect(e.sequence).toBeDefined();
        const seen = sequenceOf.get(e.id);
        if (seen !== undefined) expect(e.sequence).toBe(seen);
        sequenceOf.set(e.id, e.sequence as number);
      }
      // Each batch goes out in sequence order (batches of 7 cross 9 -> 10 and 99 -> 100).
      for (const b of broker.batches) expect(b).toEqual([...b].sort((x, y) => x - y));
      // Exactly the committed events, nothing rolled back, numbered 1..N with no gap and no repeat.
      expect([...sequenceOf.keys()].sort()).toEqual(committed.map((c) => c.id).sort());
      expect([...sequenceOf.values()].sort((a, b) => a - b)).toEqual(
        Array.from({ length: committed.length }, (_, i) => i + 1),
      );
      // Commit order: A committed before B began => seq(A) < seq(B).
      const byCommit = [...committed].sort((x, y) => x.committed - y.committed);
      for (const a of byCommit) {
        for (const b of committed) {
          if (a.committed < b.began) {
            const [sa, sb] = [sequenceOf.get(a.id) as number, sequenceOf.get(b.id) as number];
            if (!(sa < sb))
              throw new Error(`seed ${seed}: ${a.id} committed before ${b.id} began, ${sa} >= ${sb}`);
          }
        }
      }
      // The long transaction took its id first: it is numbered before everything that wrote after it.
      expect(sequenceOf.get(longEvent.id)).toBe(1);
    },
    120_000,
  );
});
