import { randomUUID } from "node:crypto";
import type { TodoState } from "@taskoverflow/contracts";
import type { OutboxWakeSource } from "@taskoverflow/messaging";
import type { Logger } from "@taskoverflow/platform";
import { sql } from "kysely";
import { renderEvents } from "../calendar/calendar.builder.ts";
import type { CalendarDb } from "../todos/todo.repository.ts";
import type { FeedEntry, FeedStore } from "./feed.store.ts";

/** The NOTIFY channel on which an instance tells the others that the projection changed. */
export const FEED_CHANNEL = "calendar_feed";
/**
 * Rows per read. Small on purpose: a page's parsed rows and rendered text live while it is applied, and at
 * 2,000 they outlive the young generation and fragment the old one among the stored entries (measured at
 * 100,000 todos: about 70 MiB more resident memory after the first load than with 200).
 */
const PAGE = 200;

interface Row {
  id: number;
  state: TodoState;
  deleted: boolean;
  changed_at: Date | string;
}

/** Where a page of changes ended: the (changed_xid, id) key of its last row. */
export interface ChangeKey {
  xid: string;
  id: number;
}

/** A page of changes: the statement's snapshot on every row; a page without changes has one row of nulls. */
export type ChangeRow = { snap: string } & ((Row & { xid: string }) | { [K in keyof Row | "xid"]: null });

/**
 * One page of the rows committed since the snapshot `since` (`changed_xid` not visible in it), in
 * (changed_xid, id) order from the key `after` (none: from `since`'s xmin), with the statement's own snapshot;
 * `notify`: the statement also sends NOTIFY calendar_feed with that payload (at its commit, so only if it ran).
 * It walks the (changed_xid, id) index from the oldest xid `since` may not see, so it reads the changed rows
 * and a few index pages, whatever the table's size and whatever the planner's statistics say: in that order
 * the index both finds the rows and sorts them, and the LIMIT stops the walk. (Paging by id instead walked
 * the primary key over the whole table when the planner thought many rows had changed: O(todos) a refresh.)
 */
export function changesPage(since: string, after: ChangeKey | undefined, limit: number, notify?: string) {
  const from =
    after === undefined
      ? sql`(changed_xid, id) >= (pg_snapshot_xmin(${since}::pg_snapshot), ${MIN_ID})`
      : sql`(changed_xid, id) > (${after.xid}::xid8, ${after.id})`;
  return sql<ChangeRow>`
    WITH snap AS MATERIALIZED (
      SELECT pg_current_snapshot()::text AS snap${notify === undefined ? sql`` : sql`, pg_notify(${FEED_CHANNEL}, ${notify})`}
    ),
    page AS (
      SELECT id, state, deleted, changed_at, changed_xid::text AS xid FROM todos_projection
      WHERE ${from} AND NOT pg_visible_in_snapshot(changed_xid, ${since}::pg_snapshot)
      ORDER BY changed_xid, id LIMIT ${limit}
    )
    SELECT snap.snap, page.* FROM snap LEFT JOIN page ON true`;
}

/** Below every todo id (they start at 1): the first page's key starts from it. */
const MIN_ID = -2_147_483_648;

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
}: FeedRefresherDeps) {
  let cursor: string | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let notifyPending = false;
  let timer: NodeJS.Timeout | undefined;
  let poll: NodeJS.Timeout | undefined;
  let unsubscribe: (() => Promise<void>) | undefined;
  let stopped = false;
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
      const { rows } = await changesPage(
        since,
        after,
        PAGE,
        notify && after === undefined ? self : undefined,
      ).execute(db);
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

  async function run(): Promise<void> {
    do {
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
    } while (again && !stopped);
  }

  function wake(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      running = run().finally(() => {
        running = undefined;
        if (again) wake();
      });
    }, debounceMs);
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
