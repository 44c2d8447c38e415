import { randomUUID } from "node:crypto";
import type { TodoState } from "@taskoverflow/contracts";
import type { OutboxWakeSource } from "@taskoverflow/messaging";
import { executePrepared, type Logger } from "@taskoverflow/platform";
import { sql } from "kysely";
import { renderEvents } from "../calendar/calendar.builder.ts";
import type { CalendarDb } from "../todos/todo.repository.ts";
import { type ChangeKey, changesPage, FEED_CHANNEL, type Row } from "./feed.changes.ts";
import type { FeedEntry, FeedStore } from "./feed.store.ts";

export { changesPage, FEED_CHANNEL } from "./feed.changes.ts";

/**
 * Rows per read. Small on purpose: a page's parsed rows and rendered text live while it is applied, and at
 * 2,000 they outlive the young generation and fragment the old one among the stored entries (measured at
 * 100,000 todos: about 70 MiB more resident memory after the first load than with 200).
 */
const PAGE = 200;

export interface FeedRefresherDeps {
  db: CalendarDb;
  store: FeedStore;
  /** UID domain (CALENDAR_HOST): the same UIDs as the export's. */
  host: string;
  log: Logger;
  /** Tells other instances (PostgreSQL LISTEN/NOTIFY); absent with PGlite, where there is one instance. */
  wakeSource?: OutboxWakeSource | undefined;
  notifyOthers?: boolean;
  /** A safety poll in case a notification was lost (a dropped LISTEN connection). */
  pollMs?: number;
  /** Changes arriving within this many ms are read together. */
  debounceMs?: number;
  /**
   * A refresh starts at least this long after the previous one started: under a stream of changes (a
   * projector applying a batch every few ms) one read covers several batches; a lone change still waits only
   * `debounceMs`. Default 20 (the freshness floor is p99 < 250 ms).
   */
  minIntervalMs?: number;
}

/**
 * Keeps the FeedStore in step with `todos_projection`. Each refresh reads, in one REPEATABLE READ transaction,
 * only the rows committed since the previous refresh's snapshot (`changed_xid` not visible in it; no shared
 * counter row, and no change is missed whatever order concurrent transactions commit in), renders their
 * VEVENTs with the export's builder and applies them. Woken by this instance's projector right after it applied
 * an event, by other instances' NOTIFY, and by a slow poll.
 */
export function createFeedRefresher({
  db,
  store,
  host,
  log,
  wakeSource,
  notifyOthers = false,
  pollMs = 5_000,
  debounceMs = 2,
  minIntervalMs = 20,
}: FeedRefresherDeps) {
  let cursor: string | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let notifyPending = false;
  let timer: NodeJS.Timeout | undefined;
  let poll: NodeJS.Timeout | undefined;
  let unsubscribe: (() => Promise<void>) | undefined;
  let stopped = false;
  let lastStartedAt = Number.NEGATIVE_INFINITY;
  /** This instance's NOTIFY payload: its own notifications come back on its LISTEN, and are ignored. */
  const self = randomUUID();

  const toEntry = (todo: TodoState, text: Buffer): FeedEntry => ({
    id: todo.id,
    text,
    completed: todo.completed,
    deadlineMs: Date.parse(todo.deadlineAt as string),
  });

  function applyRows(rows: Row[]): void {
    if (rows.length === 0) return;
    const live = rows.filter((r) => !r.deleted).map((r) => r.state);
    const rendered = new Map(
      renderEvents(live, { host, stampOf: (t) => new Date(t.updatedAt) }).map(({ todo, text }) => [
        todo.id,
        toEntry(todo, text),
      ]),
    );
    let changedAt = 0;
    for (const r of rows) changedAt = Math.max(changedAt, new Date(r.changed_at).getTime());
    store.apply(
      rows.map((r) => ({ id: r.id, entry: rendered.get(r.id) })),
      changedAt,
    );
  }

  /** The first load: every live row, in one REPEATABLE READ transaction whose snapshot becomes the cursor. */
  async function loadAll(): Promise<number> {
    let count = 0;
    cursor = await db
      .transaction()
      .setIsolationLevel("repeatable read")
      .execute(async (trx) => {
        const { rows } = await sql<{ snap: string; latest: Date | string | null }>`
          SELECT pg_current_snapshot()::text AS snap,
            (SELECT max(changed_at) FROM todos_projection) AS latest`.execute(trx);
        const head = rows[0] as { snap: string; latest: Date | string | null };
        let after = 0;
        for (;;) {
          const page = await sql<Row>`
            SELECT id, state, deleted, changed_at FROM todos_projection
            WHERE id > ${after} AND NOT deleted ORDER BY id LIMIT ${PAGE}`.execute(trx);
          applyRows(page.rows);
          count += page.rows.length;
          if (page.rows.length < PAGE) break;
          after = (page.rows.at(-1) as Row).id;
        }
        if (head.latest !== null) store.apply([], new Date(head.latest).getTime());
        return head.snap;
      });
    return count;
  }

  /**
   * The rows committed since `since`, one statement per page of PAGE and no transaction: the first page's
   * statement also answers its own snapshot, the next cursor. Later pages (more than PAGE changes) run under
   * newer snapshots; what they miss or read twice was changed after the first page's snapshot, so the next
   * refresh reads it (not visible in the new cursor), and applying a row again changes nothing.
   */
  async function readChanges(since: string, notify: boolean): Promise<number> {
    let count = 0;
    let after: ChangeKey | undefined;
    let next: string | undefined;
    for (;;) {
      // A named statement (four texts: first or later page, with or without the NOTIFY): parsed once.
      const { rows } = await executePrepared(
        db,
        changesPage(since, after, PAGE, notify && after === undefined ? self : undefined),
      );
      next ??= (rows[0] as { snap: string }).snap;
      const page = rows.filter((r) => r.id !== null) as (Row & { xid: string })[];
      applyRows(page);
      count += page.length;
      if (page.length < PAGE) break;
      const last = page.at(-1) as Row & { xid: string };
      after = { xid: last.xid, id: last.id };
    }
    cursor = next;
    return count;
  }

  /** Reads what changed; `notify`: tells the other instances too (in the same statement once loaded). */
  async function refreshOnce(notify = false): Promise<number> {
    if (cursor !== undefined) return readChanges(cursor, notify);
    const count = await loadAll();
    if (notify) await sql`SELECT pg_notify(${FEED_CHANNEL}, ${self})`.execute(db);
    return count;
  }

  /** One refresh; a change meanwhile (`again`) schedules the next through `wake`, keeping the interval. */
  async function run(): Promise<void> {
    again = false;
    const notify = notifyPending;
    notifyPending = false;
    try {
      const started = performance.now();
      const changed = await refreshOnce(notify && notifyOthers);
      if (changed > 0) {
        log.debug({ rows: changed, ms: Math.round(performance.now() - started) }, "feed refreshed");
      }
    } catch (err) {
      if (stopped) return;
      log.warn({ err }, "feed refresh failed; retrying on the next change or poll");
      if (notify) notifyPending = true;
    }
  }

  function wake(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    if (timer) return;
    const delay = Math.max(debounceMs, lastStartedAt + minIntervalMs - performance.now());
    timer = setTimeout(() => {
      timer = undefined;
      lastStartedAt = performance.now();
      running = run().finally(() => {
        running = undefined;
        if (again && !stopped) wake();
      });
    }, delay);
  }

  return {
    /** Loads the whole feed once, then follows changes. */
    async start(): Promise<void> {
      const started = performance.now();
      await refreshOnce();
      log.info({ events: store.size, ms: Math.round(performance.now() - started) }, "feed loaded");
      unsubscribe = await wakeSource?.subscribe((from) => {
        if (from !== self) wake();
      });
      poll = setInterval(wake, pollMs);
      poll.unref();
    },
    /** This instance changed the projection: refresh, and tell the other instances. */
    changed(): void {
      notifyPending = true;
      wake();
    },
    wake,
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      clearInterval(poll);
      await unsubscribe?.();
      await running;
    },
  };
}

export type FeedRefresher = ReturnType<typeof createFeedRefresher>;
