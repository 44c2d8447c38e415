import type { TodoState } from "@taskoverflow/contracts";
import { sql } from "kysely";

/** The NOTIFY channel on which an instance tells the others that the projection changed. */
export const FEED_CHANNEL = "calendar_feed";

export interface Row {
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
