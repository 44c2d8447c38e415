import type { DomainEvent } from "@taskoverflow/contracts";
import type { Logger } from "@taskoverflow/platform";
import type { Kysely } from "kysely";
import { backoffDelay } from "../backoff.ts";
import { type EventPublisher, PartialPublishError } from "../ports.ts";
import type { OutboxTables } from "./outbox.migration.ts";
import {
  claimBatch,
  deletePublished,
  markPublished,
  notifyRelays,
  recordFailure,
  stallReport,
} from "./outbox.sequencer.ts";

export { SEQUENCER_LOCK } from "./outbox.sequencer.ts";

/** Something that calls back when new outbox rows may have committed (e.g. PostgreSQL LISTEN outbox). */
export interface OutboxWakeSource {
  /** `onWake(payload)`: the payload is the announcing relay's id (a relay ignores its own announcements). */
  subscribe(onWake: (payload?: string) => void): Promise<() => Promise<void>>;
}

export interface OutboxRelayOptions {
  // biome-ignore lint/suspicious/noExplicitAny: any database that has the outbox tables, whatever else it holds.
  db: Kysely<any>;
  publisher: EventPublisher;
  log: Logger;
  /** Rows claimed per transaction (published as PublishBatch calls of 10). Default 100. */
  batchSize?: number;
  /** Fallback poll when nothing wakes the relay. Default 1000 ms. */
  pollIntervalMs?: number;
  /** Backoff while the broker is unreachable. Default 200 ms doubling to 30 s, with jitter. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** LISTEN/NOTIFY or any other push source; optional (PGlite in-process relies on `wake()`). */
  wakeSource?: OutboxWakeSource;
  /** Published rows older than this are deleted. Default 24 h; 0 deletes them right after publishing. */
  retainPublishedMs?: number;
  cleanupIntervalMs?: number;
  /** Rows numbered per pass at most. Default 1000. */
  sequenceLimit?: number;
  /** Warn (naming the blocking backend) when committed rows wait this long to be numbered. Default 5 s. */
  stallWarnMs?: number;
  stallCheckIntervalMs?: number;
  /** Local commits are announced to other instances at most this often. Default 10 ms. */
  notifyDebounceMs?: number;
  /** First retry while committed rows are held back by an older open transaction (doubling). Default 2 ms. */
  heldBackRetryMs?: number;
}

export interface OutboxRelay {
  start(): Promise<void>;
  /** Finishes the batch in flight, then stops. */
  stop(): Promise<void>;
  /** Call after a transaction that enqueued events has committed: the relay publishes at once. */
  wake(): void;
}

/**
 * Numbers committed outbox rows and publishes them in sequence order. Several instances may run against one
 * database: one at a time holds the sequencer lock for a pass, and holds it until SNS accepted the batch and
 * `published_at` is set, so in the normal path no event is sent twice; a relay that dies mid-publish leaves
 * its batch unmarked and the next holder sends it again with the same sequences (consumers deduplicate by
 * event id). When SNS fails, the attempt is recorded on the rows and the relay backs off (wakes are ignored
 * meanwhile so a write burst cannot hammer a dead broker).
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
    if (failures === 0) interrupt?.();
  };
  const wake = () => {
    wakeLocal();
    notifyOthers();
  };

  /**
   * One pass of the sequencer and publisher, under the sequencer lock (outbox.sequencer.ts): numbers committed
   * rows, then publishes the oldest unpublished rows in sequence order and marks them. Returns how many rows it
   * published, and whether committed rows are held back (their transaction is not below the horizon yet: an
   * older one is still open, and may never wake the relay).
   */
  async function publishBatch(): Promise<{ published: number; heldBack: boolean }> {
    let failure: unknown;
    let heldBack = false;
    const published = await db.transaction().execute(async (trx) => {
      const claimed = await claimBatch(trx, { sequenceLimit, batchSize });
      heldBack = claimed.heldBack;
      const rows = claimed.rows;
      if (rows.length === 0) return 0;
      const events = rows.map(
        (r) => ({ ...(JSON.parse(r.body) as DomainEvent), sequence: Number(r.sequence) }) as DomainEvent,
      );
      let done = rows.map((r) => r.event_id);
      try {
        await publisher.publish(events);
      } catch (err) {
        failure = err;
        done = err instanceof PartialPublishError ? err.publishedIds : [];
        const failed = rows.map((r) => r.event_id).filter((id) => !done.includes(id));
        await recordFailure(trx, failed, err);
      }
      await markPublished(trx, done);
      return done.length;
    });
    if (failure !== undefined) throw failure;
    return { published, heldBack };
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
   * Wakes relays of other instances (LISTEN outbox): a NOTIFY of its own, after commit, debounced, carrying
   * this relay's id so that it ignores its own.
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

  /** Publishes until nothing is left; answers whether committed rows are still held back by the horizon. */
  async function drain(): Promise<boolean> {
    for (;;) {
      woken = false;
      const { published: n, heldBack } = await publishBatch();
      if (n > 0) log.debug({ published: n }, "outbox events published");
      if (n < batchSize && !woken) return heldBack;
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
        const heldBack = await drain();
        if (heldBack) {
          delay = Math.min(pollIntervalMs, heldBackDelay);
          heldBackDelay *= 2;
        } else heldBackDelay = heldBackRetryMs;
        if (failures > 0)
          log.info({ failedAttempts: failures }, "outbox relay recovered: broker reachable again");
        failures = 0;
        await cleanup();
        await warnIfHeldBack();
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
      await unsubscribe?.();
      log.info("outbox relay stopped");
    },
  };
}
