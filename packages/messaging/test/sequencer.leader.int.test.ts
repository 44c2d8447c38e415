// One relay leads: the one whose session holds the sequencer's session advisory lock. The others stand by and
// publish nothing; when the leader's session is killed a standby takes over and continues the numbering; a
// leader whose session is gone numbers nothing until it holds the lock again.
import { afterEach, describe, expect, it } from "@jest/globals";
import type { DomainEvent } from "@taskoverflow/contracts";
import { createLogger, openDatabase } from "@taskoverflow/platform";
import { waitFor } from "@taskoverflow/test-harness";
import { sql } from "kysely";
import pg from "pg";
import {
  createOutboxRelay,
  dedicatedSequencerSessions,
  type OutboxRelay,
  SEQUENCER_LOCK,
} from "../src/index.ts";
import { useTestDb } from "./backbone.ts";
import { createTodo, type TestDb } from "./pipeline.ts";

const log = createLogger({ service: "sequencer-leader-test", level: "silent" });

interface Sent {
  by: string;
  event: DomainEvent;
}

describe("outbox relays on PostgreSQL: one leads, the others stand by", () => {
  const testDb = useTestDb(log);
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  });

  /** A relay on a pool of its own, publishing into `sent`; `tries` records its attempts to take the lock. */
  async function relay(
    name: string,
    sent: Sent[],
    options: { pollIntervalMs?: number; retryBaseMs?: number; retryMaxMs?: number },
  ) {
    const database = await openDatabase<unknown>({ url: testDb.url, dataDir: "memory" }, log);
    const tries: boolean[] = [];
    const db = (database.db as TestDb).withPlugin({
      transformQuery: (args) => args.node,
      transformResult: async ({ result }) => {
        const row = result.rows[0] as { leads?: boolean; held_back?: boolean } | undefined;
        if (row && "leads" in row && !("held_back" in row)) tries.push(row.leads === true);
        return result;
      },
    });
    const r = createOutboxRelay({
      db,
      log,
      publisher: {
        publish: async (events) => void sent.push(...events.map((event) => ({ by: name, event }))),
      },
      batchSize: 5,
      ...options,
    });
    cleanups.push(() => database.close());
    cleanups.push(() => r.stop());
    return { relay: r, tries };
  }

  /** A relay started and seen leading (the lock was free). */
  async function leader(name: string, sent: Sent[], options: Parameters<typeof relay>[2]) {
    const r = await relay(name, sent, options);
    await r.relay.start();
    await waitFor(() => r.relay.leading, { what: `relay ${name} to lead` });
    return r;
  }

  const freshOutbox = async () => {
    await sql`TRUNCATE outbox, todos_test`.execute(testDb.db);
    await sql`UPDATE outbox_head SET sequence = 0, published_through = 0`.execute(testDb.db);
  };
  const lockHolders = async () =>
    (
      await sql<{ pid: number }>`SELECT pid FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND objsubid = 1
          AND ((classid::bigint << 32) | objid::bigint) = ${SEQUENCER_LOCK}::bigint`.execute(testDb.db)
    ).rows.map((r) => r.pid);
  /** Waits until `n` rows are marked published (the leader is idle, nothing left claimed but unmarked). */
  const marked = (n: number) =>
    waitFor(
      async () =>
        (
          await sql<{
            n: string;
          }>`SELECT count(*)::text AS n FROM outbox WHERE sequence <= (SELECT published_through FROM outbox_head)`.execute(
            testDb.db,
          )
        ).rows[0]?.n === String(n),
      { what: `${n} rows marked published` },
    );
  const write = async (n: number, wake: OutboxRelay[]) => {
    const events: DomainEvent[] = [];
    for (let i = 0; i < n; i++) {
      events.push(await createTodo(testDb.db, `t${i}`));
      for (const r of wake) r.wake();
    }
    return events;
  };
  const sequences = (sent: Sent[], events: DomainEvent[]) => {
    const ids = new Set(events.map((e) => e.id));
    return sent.filter((s) => ids.has(s.event.id)).map((s) => s.event.sequence);
  };

  it("publishes only through the leader while both run", async () => {
    await freshOutbox();
    const sent: Sent[] = [];
    const a = await leader("a", sent, { pollIntervalMs: 50 });
    const b = await relay("b", sent, { pollIntervalMs: 50 });
    await b.relay.start();
    const events = await write(12, [a.relay, b.relay]);
    await waitFor(() => sent.length >= 12 && b.tries.length >= 3, {
      what: "12 events published and b's tries at the lock",
    });
    expect(b.tries.every((t) => t === false)).toBe(true);
    expect(b.relay.leading).toBe(false);
    expect(sent.map((s) => s.by)).toEqual(Array(12).fill("a"));
    expect(sequences(sent, events)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(await lockHolders()).toHaveLength(1);
  });

  it("hands over to the standby when the leader's session is killed; numbering continues with no gap or repeat", async () => {
    await freshOutbox();
    const sent: Sent[] = [];
    // a retries slowly after losing its session, so the standby is the one to take over.
    const a = await leader("a", sent, { pollIntervalMs: 50, retryBaseMs: 60_000, retryMaxMs: 60_000 });
    const b = await relay("b", sent, { pollIntervalMs: 50 });
    await b.relay.start();
    const first = await write(7, [a.relay, b.relay]);
    await waitFor(() => sent.length === 7, { what: "the first 7 events published by a" });
    await marked(7);
    const [leaderPid] = await lockHolders();
    await sql`SELECT pg_terminate_backend(${leaderPid}::int)`.execute(testDb.db);
    const killedAt = performance.now();
    await waitFor(() => b.relay.leading, { what: "relay b to take over" });
    const takeoverMs = performance.now() - killedAt;
    const second = await write(8, [a.relay, b.relay]);
    await waitFor(() => sent.length >= 15, { what: "all 15 events published" });
    expect(sent.map((s) => s.by)).toEqual([...Array(7).fill("a"), ...Array(8).fill("b")]);
    expect(new Set(sent.map((s) => s.event.id)).size).toBe(15);
    expect(sequences(sent, first)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(sequences(sent, second)).toEqual([8, 9, 10, 11, 12, 13, 14, 15]);
    expect(takeoverMs).toBeLessThan(5000);
    await waitFor(() => !a.relay.leading, { what: "relay a to notice it lost the lead" });
  });

  it("numbers nothing on a leader whose session was terminated, until it holds the lock again", async () => {
    await freshOutbox();
    const sent: Sent[] = [];
    const a = await leader("a", sent, { pollIntervalMs: 50, retryBaseMs: 10, retryMaxMs: 50 });
    await write(3, [a.relay]);
    await waitFor(() => sent.length === 3, { what: "the first 3 events published" });
    await marked(3);
    // Another session waits for the lock, and gets it the moment a's session is gone (before a could try again).
    const [leaderPid] = await lockHolders();
    const other = new pg.Client({ connectionString: testDb.url });
    await other.connect();
    cleanups.push(() => other.end());
    const otherPid = (await other.query("SELECT pg_backend_pid() AS pid")).rows[0]?.pid as number;
    const otherLocked = other.query(`SELECT pg_advisory_lock(${SEQUENCER_LOCK})`);
    await waitFor(
      async () =>
        (
          await sql`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND pid = ${otherPid}::int`.execute(
            testDb.db,
          )
        ).rows.length === 1,
      { what: "another session waiting for the lock" },
    );
    await sql`SELECT pg_terminate_backend(${leaderPid}::int)`.execute(testDb.db);
    await otherLocked;
    expect(await lockHolders()).toEqual([otherPid]);
    // Relay a, woken by its own writes, must find out that it no longer leads and number nothing.
    const triesBefore = a.tries.length;
    const later = await write(4, [a.relay]);
    await waitFor(() => a.tries.length >= triesBefore + 3, { what: "a's tries at the lock" });
    expect(a.tries.slice(triesBefore).every((t) => t === false)).toBe(true);
    expect(a.relay.leading).toBe(false);
    const numbered = await sql<{ n: string }>`
      SELECT count(*)::text AS n FROM outbox WHERE sequence IS NOT NULL`.execute(testDb.db);
    expect(numbered.rows[0]?.n).toBe("3");
    const head = await sql<{ s: string }>`SELECT sequence::text AS s FROM outbox_head`.execute(testDb.db);
    expect(head.rows[0]?.s).toBe("3");
    expect(sent).toHaveLength(3);
    // The other session lets go: a leads again and continues the numbering.
    await other.query(`SELECT pg_advisory_unlock(${SEQUENCER_LOCK})`);
    await waitFor(() => sent.length === 7, { what: "the later 4 events published once a leads again" });
    expect(sequences(sent, later)).toEqual([4, 5, 6, 7]);
  });

  it("lets go of the lock on stop, after the batch in flight", async () => {
    await freshOutbox();
    const sent: Sent[] = [];
    const a = await leader("a", sent, { pollIntervalMs: 50 });
    expect(await lockHolders()).toHaveLength(1);
    await write(2, [a.relay]);
    await waitFor(() => sent.length === 2, { what: "2 events published" });
    await a.relay.stop();
    expect(a.relay.leading).toBe(false);
    expect(await lockHolders()).toEqual([]);
  });

  it("keeps the leader's session under TCP keepalives, so a vanished host loses the lock within seconds", async () => {
    const database = await openDatabase<unknown>({ url: testDb.url, dataDir: "memory" }, log);
    cleanups.push(() => database.close());
    const session = await dedicatedSequencerSessions(database.db as TestDb).open();
    cleanups.push(() => session.close(false));
    const { rows } = await sql<{ idle: string; interval: string; count: string }>`
      SELECT current_setting('tcp_keepalives_idle') AS idle,
        current_setting('tcp_keepalives_interval') AS interval,
        current_setting('tcp_keepalives_count') AS count`.execute(session.db);
    expect(rows[0]).toEqual({ idle: "5", interval: "2", count: "3" });
  });
});
