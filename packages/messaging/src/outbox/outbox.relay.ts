import type { DomainEvent } from "@taskoverflow/contracts";
import type { Kysely } from "kysely";
import { backoffDelay } from "../backoff.ts";
import { PartialPublishError } from "../ports.ts";
import type { OutboxTables } from "./outbox.migration.ts";
import type { OutboxRelay, OutboxRelayOptions } from "./outbox.relay.types.ts";
import {
  type ClaimedRow,
  claimBatch,
  deletePublished,
  markPublished,
  notifyRelays,
  recordFailure,
  stallReport,
} from "./outbox.sequencer.ts";
import { createLeadership, sequencerSessionsFor } from "./outbox.session.ts";

export * from "./outbox.relay.types.ts";
export { SEQUENCER_LOCK } from "./outbox.sequencer.ts";
export * from "./outbox.session.ts";

/**
 * Numbers committed outbox rows and publishes them in sequence order. Several instances may run against one
 * database: one relay leads, the one holding the sequencer's session advisory lock (outbox.session.ts); it
 * claims and moves the publishing watermark on that same session, two autocommit statements a pass. The
 * others stand by, try the lock every poll interval and publish nothing; when the leader's session ends (its process died, its backend was
 * terminated) the lock goes with it and a standby takes over within a poll interval. A leader that dies
 * between SNS accepting a batch and marking it leaves the rows claimed: the next leader's claim sends them
 * again with the same sequences (consumers deduplicate by event id). When SNS fails, the attempt is recorded on
 * the rows and the relay backs off (wakes are ignored meanwhile so a write burst cannot hammer a dead broker).
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const {
    publisher,
    log,
    batchSize = 100,
    pollIntervalMs = 1000,
    retryBaseMs = 200,
    retryMaxMs = 30_000,
    wakeSource,
    retainPublishedMs = 24 * 3600_000,
    cleanupIntervalMs = 60_000,
    sequenceLimit = 1000,
    stallWarnMs = 5000,
    stallCheckIntervalMs = 2000,
    notifyDebounceMs = 10,
    heldBackRetryMs = 2,
  } = options;
  const db = options.db as Kysely<OutboxTables>;
  const leadership = createLeadership(options.sessions ?? sequencerSessionsFor(db), log);
  let running = false;
  let loop: Promise<void> | undefined;
  let woken = false;
  let interrupt: (() => void) | undefined;
  let unsubscribe: (() => Promise<void>) | undefined;
  let failures = 0;
  let lastCleanup = 0;
  let lastStallCheck = 0;
  let notifyTimer: NodeJS.Timeout | undefined;
  // Sent with this relay's announcements: its own come back over LISTEN and must not cost it an empty pass.
  const relayId = crypto.randomUUID();

  const wakeLocal = () => {
    woken = true;
    // A standby is not woken: it tries the lock every poll interval, and the leader hears the same wake.
    if (failures === 0 && leadership.leading) interrupt?.();
  };
  const wake = () => {
    wakeLocal();
    // The leader publishes this commit itself; the others stand by and take no wakes. Only a standby's write
    // needs the leader told (a leader lost meanwhile is replaced within a poll interval, and its successor's
    // first pass drains everything).
    if (!leadership.leading) notifyOthers();
  };

  /**
   * The highest sequence claimed by a pass that is still out: the next claim starts above it, so a pass is
   * claimed while the one before it publishes. Unset between drains (every pass of a drain has settled by then,
   * so a claim starts from the watermark again, and a failed pass's rows go out again).
   */
  let cursor: string | undefined;

  /**
   * A pass's claim, on the leader's session: numbers committed rows and returns the oldest unpublished ones above
   * the cursor, in sequence order, and whether committed rows are held back (their transaction is not below the
   * horizon yet: an older one is still open, and may never wake the relay).
   */
  async function claim(): Promise<{ rows: ClaimedRow[]; heldBack: boolean }> {
    const after = cursor;
    const claimed = await leadership.run((s, leaderPid) =>
      claimBatch(s, { sequenceLimit, batchSize, leaderPid, after }),
    );
    if (!claimed.leads) {
      await leadership.resign("its session does not hold the sequencer lock");
      return { rows: [], heldBack: false };
    }
    const last = claimed.rows.at(-1);
    if (last) cursor = last.sequence;
    return claimed;
  }

  /**
   * The rest of a pass: publishes its rows, then, once the pass before it (`before`) has marked, moves the
   * watermark over its contiguous accepted prefix. Marks go in claim order, and a pass after a failed one marks
   * nothing and fails with it: the watermark never passes a refused row, so everything after it goes out again
   * (consumers deduplicate by event id).
   */
  async function finish(rows: ClaimedRow[], before: Promise<void> | undefined): Promise<void> {
    const events = rows.map(
      (r) => ({ ...(JSON.parse(r.body) as DomainEvent), sequence: Number(r.sequence) }) as DomainEvent,
    );
    let accepted = new Set(rows.map((r) => r.event_id));
    let failure: unknown;
    try {
      await publisher.publish(events);
    } catch (err) {
      failure = err;
      accepted = new Set(err instanceof PartialPublishError ? err.publishedIds : []);
      const failed = rows.map((r) => r.event_id).filter((id) => !accepted.has(id));
      await leadership.run((s) => recordFailure(s, failed, err));
    }
    await before;
    let through: string | undefined;
    for (const r of rows) {
      if (!accepted.has(r.event_id)) break;
      through = r.sequence;
    }
    const mark = through;
    if (mark !== undefined) await leadership.run((s) => markPublished(s, mark));
    if (failure !== undefined) throw failure;
    log.debug({ published: rows.length }, "outbox events published");
  }

  /** Warns, at most every `stallCheckIntervalMs`, when an older open transaction holds numbering back. */
  async function warnIfHeldBack(): Promise<void> {
    if (Date.now() - lastStallCheck < stallCheckIntervalMs) return;
    lastStallCheck = Date.now();
    const stall = await stallReport(db, stallWarnMs);
    if (stall)
      log.warn(stall, "outbox events wait for an older open transaction before they can be numbered");
  }

  /**
   * Wakes the leading relay of another instance (LISTEN outbox): a NOTIFY of its own, after commit, debounced,
   * carrying this relay's id so that it ignores its own.
   */
  function notifyOthers(): void {
    if (!wakeSource || notifyTimer) return;
    notifyTimer = setTimeout(() => {
      notifyTimer = undefined;
      notifyRelays(db, relayId).catch((err: unknown) => {
        log.debug({ err }, "outbox NOTIFY failed; other relays poll");
      });
    }, notifyDebounceMs);
  }

  /**
   * Publishes until nothing is left; answers whether committed rows are still held back by the horizon. Two
   * passes overlap: the next is claimed while the previous one publishes (under load a pass's publish is most
   * of its time, and an event waited for the whole pass ahead of it). At most two are out at once, and none
   * outlives the drain.
   */
  async function drain(): Promise<boolean> {
    let previous: Promise<void> | undefined;
    try {
      for (;;) {
        woken = false;
        if (!leadership.leading) {
          await previous;
          return false;
        }
        const { rows, heldBack } = await claim();
        if (rows.length === 0) {
          await previous;
          return heldBack;
        }
        const before = previous;
        const pass = finish(rows, before);
        // Awaited below or by the next pass; its failure is reported there, never as unhandled.
        pass.catch(() => undefined);
        previous = pass;
        await before;
        if (rows.length < batchSize && !woken) {
          await pass;
          return heldBack;
        }
      }
    } finally {
      await previous?.catch(() => undefined);
      cursor = undefined;
    }
  }

  async function cleanup(): Promise<void> {
    if (Date.now() - lastCleanup < cleanupIntervalMs) return;
    lastCleanup = Date.now();
    const deleted = await deletePublished(db, retainPublishedMs);
    if (deleted > 0) log.debug({ deleted }, "old outbox rows deleted");
  }

  function pause(ms: number, wakeable: boolean): Promise<void> {
    if (wakeable && woken) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        interrupt = undefined;
        resolve();
      }
      // stop() always interrupts; wake() only when not backing off (checked in wake()).
      interrupt = done;
    });
  }

  async function run(): Promise<void> {
    // Rows held back by an older open transaction are retried soon, doubling: the transaction that holds them
    // back may write no outbox row of its own, so no wake would follow its commit (only the fallback poll).
    let heldBackDelay = heldBackRetryMs;
    while (running) {
      let delay = pollIntervalMs;
      try {
        if (!(await leadership.lead())) {
          // Standing by: another relay leads. Wakes do not shorten this; the next try is a poll interval away.
          await pause(pollIntervalMs, false);
          continue;
        }
        const heldBack = await drain();
        if (heldBack) {
          delay = Math.min(pollIntervalMs, heldBackDelay);
          heldBackDelay *= 2;
        } else heldBackDelay = heldBackRetryMs;
        if (failures > 0)
          log.info({ failedAttempts: failures }, "outbox relay recovered: broker reachable again");
        failures = 0;
        if (leadership.leading) {
          await cleanup();
          await warnIfHeldBack();
        }
      } catch (err) {
        failures += 1;
        delay = backoffDelay(failures, { baseMs: retryBaseMs, maxMs: retryMaxMs });
        log.warn({ err, attempt: failures, retryInMs: delay }, "outbox publish failed; backing off");
      }
      if (running) await pause(delay, failures === 0);
    }
  }

  return {
    wake,
    get leading() {
      return leadership.leading;
    },
    async start() {
      if (running) return;
      running = true;
      if (wakeSource)
        unsubscribe = await wakeSource.subscribe((from) => {
          if (from !== relayId) wakeLocal();
        });
      loop = run();
      log.info({ batchSize, pollIntervalMs, listen: wakeSource !== undefined }, "outbox relay started");
    },
    async stop() {
      if (!running) return;
      running = false;
      interrupt?.();
      clearTimeout(notifyTimer);
      notifyTimer = undefined;
      await loop;
      await leadership.resign("stopped");
      await unsubscribe?.();
      log.info("outbox relay stopped");
    },
  };
}
