// How relays of several instances wake each other: a standby's NOTIFY after its instance commits, carrying the
// relay's id (the leader publishes its own instance's commits and announces none); a relay runs a pass for
// another's announcement and not for its own (which LISTEN hands back to it too).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { createLogger } from "@taskoverflow/platform";
import { createTestDatabase, type TestDatabase, waitFor } from "@taskoverflow/test-harness";
import pg from "pg";
import { createOutboxRelay, SEQUENCER_LOCK } from "../src/index.ts";
import { createTodo, openTestDb, type TestDb } from "./pipeline.ts";

const log = createLogger({ service: "relay-wake-test", level: "silent" });

/** `db`, recording in `passes` each claim's answer to whether committed rows are held back. */
function observingPasses(db: TestDb, passes: boolean[]): TestDb {
  return db.withPlugin({
    transformQuery: (args) => args.node,
    transformResult: async ({ result }) => {
      const row = result.rows[0] as { held_back?: boolean } | undefined;
      if (row && "held_back" in row) passes.push(row.held_back === true);
      return result;
    },
  });
}

describe("outbox relay wake-ups across instances", () => {
  let testDb: TestDatabase;
  let db: TestDb;
  let close: () => Promise<void>;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    ({ db, close } = await openTestDb(testDb.url, log));
  });
  afterAll(async () => {
    await close();
    await testDb.drop();
  });
  // What each pass of the sequencer (each claim) saw: whether committed rows were held back.
  let passes: boolean[] = [];
  beforeEach(() => {
    passes = [];
  });

  it("a standby announces its instance's commits to the leader with its id; the leader announces none", async () => {
    const listener = new pg.Client({ connectionString: testDb.url });
    await listener.connect();
    const payloads: string[] = [];
    listener.on("notification", (n) => payloads.push(n.payload ?? ""));
    await listener.query("LISTEN outbox");
    let onWake: ((from?: string) => void) | undefined;
    const relay = (d: TestDb, hear?: (cb: (from?: string) => void) => void) =>
      createOutboxRelay({
        db: d,
        log,
        publisher: { publish: async () => undefined },
        pollIntervalMs: 600_000,
        wakeSource: {
          async subscribe(cb) {
            hear?.(cb);
            return async () => undefined;
          },
        },
      });
    const leader = relay(observingPasses(db, passes), (cb) => {
      onWake = cb;
    });
    const standby = relay(db);
    try {
      await leader.start();
      await waitFor(() => passes.length === 1, { what: "the leader's first pass" });
      await standby.start();
      expect([leader.leading, standby.leading]).toEqual([true, false]);
      // A write in the standby's instance: its announcement carries its id.
      standby.wake();
      const fromStandby = await waitFor(() => payloads[0], { what: "the standby's NOTIFY" });
      expect(fromStandby).toMatch(/^[0-9a-f-]{36}$/);
      // A write in the leader's instance: a pass in process, and no announcement. (A negative: given a short
      // window; the standby's NOTIFY above shows that one sent in this window would be heard.)
      leader.wake();
      await waitFor(() => passes.length === 2, { what: "the leader's woken pass" });
      await new Promise((r) => setTimeout(r, 300));
      expect(payloads).toEqual([fromStandby]);
      // The standby's announcement reaching the leader: a pass.
      onWake?.(fromStandby);
      await waitFor(() => passes.length === 3, { what: "a pass for the standby's announcement" });
    } finally {
      await standby.stop();
      await leader.stop();
      await listener.end();
    }
  });

  it("runs no pass for its own announcement coming back over LISTEN", async () => {
    // A relay announces while it stands by; by the time LISTEN hands the announcement back it may lead.
    const lockHolder = new pg.Client({ connectionString: testDb.url });
    await lockHolder.connect();
    await lockHolder.query("SELECT pg_advisory_lock($1::bigint)", [SEQUENCER_LOCK]);
    const listener = new pg.Client({ connectionString: testDb.url });
    await listener.connect();
    const payloads: string[] = [];
    listener.on("notification", (n) => payloads.push(n.payload ?? ""));
    await listener.query("LISTEN outbox");
    let onWake: ((from?: string) => void) | undefined;
    const relay = createOutboxRelay({
      db: observingPasses(db, passes),
      log,
      publisher: { publish: async () => undefined },
      pollIntervalMs: 200,
      wakeSource: {
        async subscribe(cb) {
          onWake = cb;
          return async () => undefined;
        },
      },
    });
    try {
      await relay.start();
      relay.wake();
      const own = await waitFor(() => payloads[0], { what: "the standby's NOTIFY" });
      await lockHolder.query("SELECT pg_advisory_unlock($1::bigint)", [SEQUENCER_LOCK]);
      await waitFor(() => relay.leading && passes.length >= 1, { what: "the relay leading" });
      const before = passes.length;
      onWake?.(own);
      await new Promise((r) => setTimeout(r, 100));
      expect(passes.length).toBe(before);
      // Another instance's announcement: a pass (well before the next poll).
      onWake?.(crypto.randomUUID());
      await waitFor(() => passes.length === before + 1, { what: "a pass for another's announcement" });
    } finally {
      await relay.stop();
      await listener.end();
      await lockHolder.end();
    }
  });

  it("publishes a row held back by an older transaction soon after that one ends, though nothing wakes it", async () => {
    // An older transaction with an xid that writes no outbox row (so its commit wakes no relay) is open while a
    // later one commits its event: the woken pass must leave the row; the next must come by itself.
    const older = new pg.Client({ connectionString: testDb.url });
    await older.connect();
    const published: string[] = [];
    const relay = createOutboxRelay({
      db: observingPasses(db, passes),
      log,
      publisher: {
        publish: async (events) => {
          published.push(...events.map((e) => e.id));
        },
      },
      pollIntervalMs: 600_000,
    });
    try {
      await relay.start();
      await waitFor(() => passes.length === 1, { what: "the first pass" });
      await older.query("BEGIN");
      await older.query("INSERT INTO todos_test (title) VALUES ('older')");
      const event = await createTodo(db, "held back");
      relay.wake();
      await waitFor(() => passes.length >= 2, { what: "the woken pass" });
      expect(passes[1]).toBe(true);
      expect(published).not.toContain(event.id);
      await older.query("COMMIT");
      await waitFor(() => published.includes(event.id), {
        what: "the held-back event published without a wake",
        timeoutMs: 20_000,
      });
    } finally {
      await older.end();
      await relay.stop();
    }
  });
});
