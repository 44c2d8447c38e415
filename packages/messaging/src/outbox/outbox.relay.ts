import type { DomainEvent } from "@taskoverflow/contracts";
import type { Logger } from "@taskoverflow/platform";
import { type Kysely, sql } from "kysely";
import { backoffDelay } from "../backoff.ts";
import { type EventPublisher, PartialPublishError } from "../ports.ts";
import type { OutboxTables } from "./outbox.migration.ts";

/** Something that calls back when new outbox rows may have committed (e.g. PostgreSQL LISTEN outbox). */
export interface OutboxWakeSource {
  subscribe(onWake: () => void): Promise<() => Promise<void>>;
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
}

export interface OutboxRelay {
  start(): Promise<void>;
  /** Finishes the batch in flight, then stops. */
  stop(): Promise<void>;
  /** Call after a transaction that enqueued events has committed: the relay publishes at once. */
  wake(): void;
}

/**
 * Publishes committed outbox rows in position order. Several instances may run against one database:
 * each claims a batch with FOR UPDATE SKIP LOCKED and holds it until SNS accepted it and `published_at`
 * is set, so in the normal path no event is sent twice. When SNS fails, the attempt is recorded on the
 * rows and the relay backs off (wakes are ignored meanwhile so a write burst cannot hammer a dead broker).
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
  } = options;
  const db = options.db as Kysely<OutboxTables>;
  let running = false;
  let loop: Promise<void> | undefined;
  let woken = false;
  let interrupt: (() => void) | undefined;
  let unsubscribe: (() => Promise<void>) | undefined;
  let failures = 0;
  let lastCleanup = 0;

  const wake = () => {
    woken = true;
    if (failures === 0) interrupt?.();
  };

  /** Claims, publishes and marks one batch; returns how many rows it published. */
  async function publishBatch(): Promise<number> {
    let failure: unknown;
    const published = await db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ position: string; event_id: string; body: string }>`
        SELECT position, event_id, body FROM outbox
        WHERE published_at IS NULL ORDER BY position LIMIT ${batchSize}
        FOR UPDATE SKIP LOCKED`.execute(trx);
      if (rows.length === 0) return 0;
      const events = rows.map((r) => JSON.parse(r.body) as DomainEvent);
      let done = rows.map((r) => r.event_id);
      try {
        await publisher.publish(events);
      } catch (err) {
        failure = err;
        done = err instanceof PartialPublishError ? err.publishedIds : [];
        const failed = rows.map((r) => r.event_id).filter((id) => !done.includes(id));
        await trx
          .updateTable("outbox")
          .set((eb) => ({ attempts: eb("attempts", "+", 1), last_error: errorText(err) }))
          .where("event_id", "in", failed)
          .execute();
      }
      if (done.length > 0) {
        await trx
          .updateTable("outbox")
          .set({ published_at: sql`now()` })
          .where("event_id", "in", done)
          .execute();
      }
      return done.length;
    });
    if (failure !== undefined) throw failure;
    return published;
  }

  async function drain(): Promise<void> {
    for (;;) {
      woken = false;
      const n = await publishBatch();
      if (n > 0) log.debug({ published: n }, "outbox events published");
      if (n < batchSize && !woken) return;
    }
  }

  async function cleanup(): Promise<void> {
    if (Date.now() - lastCleanup < cleanupIntervalMs) return;
    lastCleanup = Date.now();
    const r = await db
      .deleteFrom("outbox")
      .where("published_at", "<", sql<Date>`now() - make_interval(secs => ${retainPublishedMs / 1000})`)
      .executeTakeFirst();
    if (r.numDeletedRows > 0n) log.debug({ deleted: Number(r.numDeletedRows) }, "old outbox rows deleted");
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
    while (running) {
      let delay = pollIntervalMs;
      try {
        await drain();
        if (failures > 0)
          log.info({ failedAttempts: failures }, "outbox relay recovered: broker reachable again");
        failures = 0;
        await cleanup();
      } catch (err) {
        failures += 1;
        delay = backoffDelay(failures, { baseMs: retryBaseMs, maxMs: retryMaxMs });
        log.warn(
          { err: errorText(err), attempt: failures, retryInMs: delay },
          "outbox publish failed; backing off",
        );
      }
      if (running) await pause(delay, failures === 0);
    }
  }

  return {
    wake,
    async start() {
      if (running) return;
      running = true;
      if (wakeSource) unsubscribe = await wakeSource.subscribe(wake);
      loop = run();
      log.info({ batchSize, pollIntervalMs, listen: wakeSource !== undefined }, "outbox relay started");
    },
    async stop() {
      if (!running) return;
      running = false;
      interrupt?.();
      await loop;
      await unsubscribe?.();
      log.info("outbox relay stopped");
    },
  };
}

function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, 1000);
  return String(err).slice(0, 1000);
}
