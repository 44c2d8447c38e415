import { createHash } from "node:crypto";
import type { TodoFilter } from "./todo.domain.ts";
import type { SnapshotList, TodoDb, TodoRepository } from "./todo.repository.ts";

/**
 * The whole list (`GET /api/v1/todos`, unfiltered or `completed=`), kept per instance and validated by the
 * database on every hit, so it is correct across instances (docs/architecture.md §4, "The list cache"):
 *
 * - a fill reads the list and `pg_current_snapshot()` in one statement (one snapshot S);
 * - every todo change writes an outbox row in its own transaction, so when no outbox row is visible now that was
 *   not visible in S, the todos are what they were in S; a hit asks exactly that, in one round trip that also
 *   reads the list again when the answer is "changed" (`TodoRepository.listIfChanged`). A write committed before
 *   the request began (through any instance) is visible to that statement: read-your-writes holds;
 * - the relay deletes an outbox row once it is published and was written more than `retainPublishedMs` ago
 *   (`created_at`: its transaction's start); a row that committed after S came from a transaction that began at
 *   most its own duration before S (todo writes are single statements), so it lives about that long after S.
 *   An entry is used at most `maxAgeMs` after its fill (far below the retention; `createListCache` refuses a
 *   bound that is not) and then read again from scratch.
 *
 * - concurrent requests for one key share statements: one is in flight per key, and a request that arrives while
 *   it is answers from the next one (sent after it arrived, so its snapshot sees what the request must see).
 *
 * `window=` lists (their cutoff moves with the clock) and pages are not cached.
 */

export interface ListCacheOptions {
  /** Bytes of bodies kept in all; a bigger body is answered but not kept. 0: nothing is cached. */
  maxBytes: number;
  /** An entry's snapshot is used this long after its fill at most. */
  maxAgeMs: number;
  /** The outbox relay's retention of published rows; maxAgeMs must stay well below it (at most a quarter). */
  retainPublishedMs: number;
  /** Milliseconds of a monotonic clock (tests move it). */
  now?: () => number;
}

/** A list as it is sent: the bytes and their strong ETag (RFC 9110 §8.8.3). */
export interface ListAnswer {
  body: Buffer;
  etag: string;
}

export interface ListCacheStats {
  /** Answers whose list the database did not read again (validated hits). */
  hits: number;
  /** Answers whose list was read (a fill, a changed hit check, an entry too old or too big). */
  reads: number;
  /** Statements run: concurrent requests for one key share one (see `drain`). */
  statements: number;
}

/** The requests of one key waiting for its next statement, and whether one is in flight. */
interface Flight {
  running: boolean;
  queued: Array<{ resolve(answer: ListAnswer): void; reject(err: unknown): void }>;
}

interface Entry extends ListAnswer {
  snapshot: string;
  filledAt: number;
}

export interface ListCache {
  /** The list for `filter` (no window): from the cache when the database says nothing changed. */
  get(db: TodoDb, filter: TodoFilter): Promise<ListAnswer>;
  readonly stats: ListCacheStats;
}

/** An entry is read again from scratch after this long (the relay keeps published rows 24 h by default). */
export const LIST_CACHE_MAX_AGE_MS = 10 * 60_000;

/** Only the whole list, unfiltered or by `completed`: at most three keys. */
export function listCacheKey(filter: TodoFilter): string | undefined {
  if (filter.windowDays !== undefined) return undefined;
  return filter.completed === undefined ? "all" : String(filter.completed);
}

export function createListCache(todos: TodoRepository, options: ListCacheOptions): ListCache {
  const { maxBytes, maxAgeMs, retainPublishedMs, now = () => performance.now() } = options;
  if (!(maxAgeMs > 0 && maxAgeMs * 4 <= retainPublishedMs)) {
    throw new Error(
      `the list cache's entry age bound (${maxAgeMs} ms) must be positive and at most a quarter of the ` +
        `outbox retention (${retainPublishedMs} ms): an older snapshot could miss a pruned outbox row`,
    );
  }
  const entries = new Map<string, Entry>();
  const stats: ListCacheStats = { hits: 0, reads: 0, statements: 0 };
  const flights = new Map<string, Flight>();
  let bytes = 0;

  function keep(key: string, list: SnapshotList, filledAt: number): Entry {
    const body = Buffer.from(list.body);
    const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;
    const entry = { body, etag, snapshot: list.snapshot, filledAt };
    drop(key);
    if (body.length <= maxBytes) {
      // At most three keys: make room by dropping the others.
      for (const other of entries.keys()) if (bytes + body.length > maxBytes) drop(other);
      entries.set(key, entry);
      bytes += body.length;
    }
    return entry;
  }

  function drop(key: string): void {
    const old = entries.get(key);
    if (old === undefined) return;
    entries.delete(key);
    bytes -= old.body.length;
  }

  /** One statement for the key: a hit check against the entry while it is young enough, else a fresh read. */
  async function lookup(
    db: TodoDb,
    filter: TodoFilter,
    key: string,
  ): Promise<{ answer: Entry; hit: boolean }> {
    const startedAt = now();
    const entry = entries.get(key);
    stats.statements += 1;
    if (entry !== undefined && startedAt - entry.filledAt < maxAgeMs) {
      const changed = await todos.listIfChanged(db, filter, entry.snapshot);
      if (changed === undefined) return { answer: entry, hit: true };
      return { answer: keep(key, changed, startedAt), hit: false };
    }
    return { answer: keep(key, await todos.listWithSnapshot(db, filter), startedAt), hit: false };
  }

  /**
   * Runs statements for the key one at a time. Each answers every request that arrived before it was sent, and
   * only those: its snapshot is taken after they arrived, so it sees every write committed before any of them
   * began. A request that arrives while a statement is in flight waits for the next one.
   */
  async function drain(db: TodoDb, filter: TodoFilter, key: string, flight: Flight): Promise<void> {
    flight.running = true;
    while (flight.queued.length > 0) {
      const batch = flight.queued;
      flight.queued = [];
      try {
        const { answer, hit } = await lookup(db, filter, key);
        if (hit) stats.hits += batch.length;
        else stats.reads += batch.length;
        for (const waiter of batch) waiter.resolve(answer);
      } catch (err) {
        for (const waiter of batch) waiter.reject(err);
      }
    }
    flight.running = false;
  }

  return {
    stats,
    get(db, filter) {
      const key = listCacheKey(filter);
      if (key === undefined) return Promise.reject(new Error("window lists are not cached"));
      let flight = flights.get(key);
      if (flight === undefined) {
        flight = { running: false, queued: [] };
        flights.set(key, flight);
      }
      const joined = flight;
      return new Promise<ListAnswer>((resolve, reject) => {
        joined.queued.push({ resolve, reject });
        if (!joined.running) void drain(db, filter, key, joined);
      });
    },
  };
}
