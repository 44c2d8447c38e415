import { errorText, executePrepared } from "@taskoverflow/platform";
import { type Kysely, sql } from "kysely";
import type { OutboxTables } from "./outbox.migration.ts";

/**
 * The relay's SQL: taking the sequencer lock, the claim (number, pick the batch), marking what SNS accepted, the
 * cleanup, the stall diagnosis and the wake-up NOTIFY. outbox.relay.ts is the loop that calls them.
 */

/** The sequencer's advisory lock key (any constant; one leading relay per database at a time). */
export const SEQUENCER_LOCK = "7400640001";

/** An outbox row claimed for publishing: its sequence, event id and stored body (the event's JSON). */
export interface ClaimedRow {
  sequence: string;
  event_id: string;
  body: string;
}

/**
 * Tries to take the sequencer lock: a SESSION advisory lock, held by the one relay that leads (numbers and
 * publishes) until it releases it or its session ends. Never waits: the relays of other instances stand by and
 * try again every poll interval. Re-entrant on the session that holds it (PGlite's one session included).
 * Answers, with whether it got it, the session's backend pid (`pid`), which every claim checks.
 */
export async function tryLeadership(session: Kysely<OutboxTables>): Promise<{ leads: boolean; pid: number }> {
  const { rows } = await sql<{ leads: boolean; pid: number }>`
    SELECT pg_try_advisory_lock(${SEQUENCER_LOCK}::bigint) AS leads, pg_backend_pid() AS pid`.execute(
    session,
  );
  return { leads: rows[0]?.leads === true, pid: Number(rows[0]?.pid) };
}

/**
 * The claim, one autocommit statement on the leader's session: numbers at most `sequenceLimit` committed rows
 * whose transaction is below the snapshot horizon, contiguously from `outbox_head`, in (xid, id) order (and
 * moves the head), and returns the oldest `batchSize` unpublished rows (above `outbox_head.published_through`)
 * in sequence order (claimed-but-unmarked ones first: a leader that died between publish and mark left them,
 * and they go out again with the same sequences), and whether committed rows are held back (their transaction
 * is not below the horizon yet: an older one is still open, and may never wake the relay).
 *
 * The statement checks itself that it runs on the session that took the sequencer lock (`leads`: its backend
 * is `leaderPid`, the one `tryLeadership` answered; that backend holds the lock for as long as it lives): on any
 * other session (a pool's reconnected one, say) it numbers nothing and returns nothing. A pid comes back only
 * once the OS has cycled through its pid space; the exact check (a `pg_locks` lookup) measured 0.15 ms a
 * statement here, a third of a round trip, so the pid it is.
 */
export async function claimBatch(
  session: Kysely<OutboxTables>,
  {
    sequenceLimit,
    batchSize,
    leaderPid,
    after = "0",
  }: {
    sequenceLimit: number;
    batchSize: number;
    leaderPid: number;
    /** Rows up to this sequence are in a pass still out: the claim returns the rows above it (and the watermark). */
    after?: string | undefined;
  },
): Promise<{ rows: ClaimedRow[]; heldBack: boolean; leads: boolean }> {
  // A named prepared statement on a server. The limits are literals, not parameters: they are fixed per relay
  // (so the text is too), and a generic plan never has to guess them.
  const { rows: found } = await executePrepared(
    session,
    sql<{
      leads: boolean;
      held_back: boolean;
      sequence: string | null;
      event_id: string;
      body: string;
    }>`
    WITH lock AS (SELECT pg_backend_pid() = ${leaderPid}::int AS leads),
    head AS (SELECT sequence, published_through FROM outbox_head WHERE id = 1),
    eligible AS (
      SELECT id, row_number() OVER (ORDER BY xid, id) AS n FROM (
        SELECT id, xid FROM outbox
        WHERE sequence IS NULL AND xid < pg_snapshot_xmin(pg_current_snapshot()) AND (SELECT leads FROM lock)
        ORDER BY xid, id LIMIT ${sql.lit(sequenceLimit)}
      ) e
    ),
    numbered AS (
      UPDATE outbox o SET sequence = head.sequence + eligible.n
      FROM eligible, head WHERE o.id = eligible.id
      RETURNING o.sequence, o.event_id, o.body
    ),
    moved AS (
      UPDATE outbox_head SET sequence = sequence + (SELECT count(*) FROM numbered)
      WHERE id = 1 AND EXISTS (SELECT 1 FROM numbered)
    )
    SELECT l.leads, h.held_back, p.sequence, p.event_id, p.body
    FROM lock l
    CROSS JOIN (
      SELECT EXISTS (
        SELECT 1 FROM outbox WHERE sequence IS NULL AND xid >= pg_snapshot_xmin(pg_current_snapshot())
      ) AS held_back
    ) h
    LEFT JOIN LATERAL (
      -- Ordered by the bigint (pending.sequence), not by the text column of the same name: '10' < '9'.
      SELECT sequence::text AS sequence, event_id, body FROM (
        SELECT sequence, event_id, body FROM outbox
        WHERE sequence > greatest((SELECT published_through FROM head), ${after}::bigint)
        UNION ALL
        SELECT sequence, event_id, body FROM numbered
      ) pending WHERE l.leads ORDER BY pending.sequence LIMIT ${sql.lit(batchSize)}
    ) p ON true`,
  );
  const rows = found.filter((r): r is typeof r & { sequence: string } => r.sequence !== null);
  return { rows, heldBack: found[0]?.held_back ?? false, leads: found[0]?.leads === true };
}

/**
 * Moves the publishing watermark to `through` (every row up to it was accepted by SNS; the relay passes the end of
 * the contiguous accepted prefix of a batch): one narrow row, autocommit, on the leader's session. Never moves it
 * back (a deposed leader's late mark is about rows that were published all the same).
 */
export async function markPublished(session: Kysely<OutboxTables>, through: string): Promise<void> {
  await executePrepared(
    session,
    sql`UPDATE outbox_head SET published_through = greatest(published_through, ${through}::bigint) WHERE id = 1`,
  );
}

/** Records a failed publish attempt on the rows (attempts + 1, the error's text). */
export async function recordFailure(
  session: Kysely<OutboxTables>,
  eventIds: string[],
  err: unknown,
): Promise<void> {
  await session
    .updateTable("outbox")
    .set((eb) => ({ attempts: eb("attempts", "+", 1), last_error: errorText(err).slice(0, 1000) }))
    .where("event_id", "in", eventIds)
    .execute();
}

/** Deletes published rows (at or below the watermark) written longer ago than `retainMs`; returns how many. */
export async function deletePublished(db: Kysely<OutboxTables>, retainMs: number): Promise<number> {
  const r = await db
    .deleteFrom("outbox")
    .where("sequence", "<=", (eb) =>
      eb.selectFrom("outbox_head").select("published_through").where("id", "=", 1),
    )
    .where("created_at", "<", sql<Date>`now() - make_interval(secs => ${retainMs / 1000})`)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/**
 * When committed rows have waited longer than `warnMs` to be numbered, an older transaction is still open and
 * holds the horizon back: the fields of a warning that names it (pid, age, state, query; absent when
 * pg_stat_activity cannot be read). Undefined when nothing waits that long.
 */
export async function stallReport(
  db: Kysely<OutboxTables>,
  warnMs: number,
): Promise<Record<string, number | string | null | undefined> | undefined> {
  const { rows } = await sql<{ waiting_ms: number | null }>`
    SELECT (extract(epoch FROM now() - min(created_at)) * 1000)::float8 AS waiting_ms
    FROM outbox WHERE sequence IS NULL`.execute(db);
  const waitingMs = rows[0]?.waiting_ms ?? null;
  if (waitingMs === null || waitingMs < warnMs) return undefined;
  const blocker = await sql<{ pid: number; age_s: number; state: string | null; query: string | null }>`
    SELECT pid, extract(epoch FROM now() - xact_start)::float8 AS age_s, state, left(query, 200) AS query
    FROM pg_stat_activity
    WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()
    ORDER BY age(backend_xid) DESC LIMIT 1`
    .execute(db)
    .then((r) => r.rows[0])
    .catch(() => undefined);
  return {
    waitingMs: Math.round(waitingMs),
    blockingPid: blocker?.pid,
    blockingAgeSeconds: blocker && Math.round(blocker.age_s),
    blockingState: blocker?.state,
    blockingQuery: blocker?.query,
  };
}

/** Announces new rows to the relays of other instances (LISTEN outbox), with this relay's id. */
export async function notifyRelays(db: Kysely<OutboxTables>, relayId: string): Promise<void> {
  await sql`SELECT pg_notify('outbox', ${relayId})`.execute(db);
}
