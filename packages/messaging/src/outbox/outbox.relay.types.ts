import type { Logger } from "@taskoverflow/platform";
import type { Kysely } from "kysely";
import type { EventPublisher } from "../ports.ts";
import type { SequencerSessions } from "./outbox.session.ts";

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
  /**
   * Where the relay gets the session it leads on (takes the sequencer lock, claims and marks). Default: from
   * `db`, a connection of its own out of the pool on a PostgreSQL server, the one shared session on PGlite.
   */
  sessions?: SequencerSessions;
  /** Fallback poll when nothing wakes the leader, and how often a standby tries to lead. Default 1000 ms. */
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
  /** A standby announces its instance's commits to the leader at most this often. Default 10 ms. */
  notifyDebounceMs?: number;
  /** First retry while committed rows are held back by an older open transaction (doubling). Default 2 ms. */
  heldBackRetryMs?: number;
}

export interface OutboxRelay {
  start(): Promise<void>;
  /** Finishes the batch in flight, then stops and releases the sequencer lock. */
  stop(): Promise<void>;
  /** Whether this relay holds the sequencer lock (leads) right now. */
  readonly leading: boolean;
  /** Call after a transaction that enqueued events has committed: the leader publishes at once (a standby tells it). */
  wake(): void;
}
