import { type InboxEntry, processAllOnceInOneStatementAnswering } from "@taskoverflow/messaging";
import { executePrepared } from "@taskoverflow/platform";
import { type Insertable, type Kysely, type Selectable, sql } from "kysely";
import type { JobStatusTables, JobTable } from "../db/tables.ts";
import { type Job, type JobStatus, rank } from "./job.projection.ts";

export type JobDb = Kysely<JobStatusTables>;

/** The channel on which a change of a job is told to every instance (payload: the job's id). */
export const JOB_CHANNEL = "job_status";

/**
 * A `job_status` notification's payload: `<job id> <sender>` (`notifyChanged`), or the job id alone (an older
 * instance, or a hand-made NOTIFY); undefined (a lost LISTEN connection) names any job.
 */
export function parseJobNotification(payload: string | undefined): { jobId?: string; sender?: string } {
  if (payload === undefined) return {};
  const [jobId = "", sender] = payload.split(" ", 2);
  return { jobId, ...(sender !== undefined && { sender }) };
}

const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());

function toJob(row: Selectable<JobTable>): Job {
  const hasResult = row.bucket !== null && row.key !== null;
  return {
    id: row.id,
    status: row.status as JobStatus,
    requestedAt: iso(row.requested_at),
    result: hasResult
      ? {
          bucket: row.bucket as string,
          key: row.key as string,
          size: Number(row.size),
          sha256: row.sha256 ?? "",
          eventCount: row.event_count ?? 0,
        }
      : null,
    error: row.error,
    lastEventAt: iso(row.last_event_at) as string,
  };
}

/** Persistence of the jobs projection; Kysely row types stay in here. */
/** What the job handler and the timeouts share: the database, the repository, the clock, and who hears changes. */
export interface JobStore {
  db: JobDb;
  jobs: JobRepository;
  clock: { now(): Date };
  /** After the commit, with the jobs whose status changed and, when one status, that status (waiters wake on it). */
  onChanged?: (jobIds: readonly string[], status?: JobStatus) => void;
}

/**
 * What `applyOnce` did: which of its events were new (the others are duplicates: nothing of theirs is applied
 * again), and, when any was, the status the statement left the row at (if it wrote it) and whether that changed it.
 */
export interface Applied {
  processed: ReadonlySet<string>;
  statusChanged: boolean;
  /** The job's status as the statement left it; undefined when it wrote nothing (a late or repeated event). */
  status: JobStatus | undefined;
}

function toRow(job: Job, now: Date): Insertable<JobTable> & Pick<Selectable<JobTable>, "id" | "status"> {
  return {
    id: job.id,
    status: job.status,
    requested_at: job.requestedAt === null ? null : new Date(job.requestedAt),
    updated_at: now,
    bucket: job.result?.bucket ?? null,
    key: job.result?.key ?? null,
    size: job.result?.size ?? null,
    sha256: job.result?.sha256 ?? null,
    event_count: job.result?.eventCount ?? null,
    error: job.error,
    last_event_at: new Date(job.lastEventAt),
  };
}

/** Each column of a job row with its SQL type (the insert's columns and the casts of its values, in one list). */
const COLUMNS = {
  id: "uuid",
  status: "text",
  requested_at: "timestamptz",
  updated_at: "timestamptz",
  bucket: "text",
  key: "text",
  size: "bigint",
  sha256: "text",
  event_count: "integer",
  error: "text",
  last_event_at: "timestamptz",
} as const satisfies Record<keyof JobTable, string>;
const columnNames = Object.keys(COLUMNS) as (keyof JobTable)[];

/**
 * Whether the event moves the stored job (`jobs`) forward: the stored status is one ranked below the event's
 * own. The statuses are taken from the projection's `rank` table (the one definition of the order), so the
 * comparison is made in TS and SQL only asks `jobs.status IN (...)`; never for a CalendarRequested (PENDING).
 */
const advances = (eventStatus: JobStatus) => {
  const behind = (Object.keys(rank) as JobStatus[]).filter((s) => rank[s] < rank[eventStatus]);
  if (behind.length === 0) return sql<boolean>`false`;
  return sql<boolean>`jobs.status IN (${sql.join(behind.map((s) => sql.lit(s)))})`;
};

/**
 * `evolve(current, event)` as the ON CONFLICT merge, column by column (EXCLUDED is the job the event alone would
 * create). That job has exactly the fields the event sets (its status, lastEventAt = its occurredAt, the result
 * or the error, requestedAt) and the others null. So: when the status advances, the event's status and
 * lastEventAt, and the event's fields over the current ones (`{ ...base, ...fields }`); otherwise the row as it
 * is. requestedAt is filled once, by whichever CalendarRequested comes first, whatever the status. The WHERE
 * leaves a row that would not change unwritten (an ignored event costs no row version).
 */
function merge(eventStatus: JobStatus) {
  const a = advances(eventStatus);
  const set = sql.join([
    sql`status = CASE WHEN ${a} THEN EXCLUDED.status ELSE jobs.status END`,
    sql`requested_at = COALESCE(jobs.requested_at, EXCLUDED.requested_at)`,
    sql`updated_at = EXCLUDED.updated_at`,
    ...(["bucket", "key", "size", "sha256", "event_count", "error"] as const).map((c) => {
      const [current, event] = [sql.raw(`jobs.${c}`), sql.raw(`EXCLUDED.${c}`)];
      return sql`${sql.raw(c)} = CASE WHEN ${a} THEN COALESCE(${event}, ${current}) ELSE ${current} END`;
    }),
    sql`last_event_at = CASE WHEN ${a} THEN EXCLUDED.last_event_at ELSE jobs.last_event_at END`,
  ]);
  return sql`${set} WHERE ${a} OR (jobs.requested_at IS NULL AND EXCLUDED.requested_at IS NOT NULL)`;
}

export class JobRepository {
  /**
   * One job, as a named prepared statement (every status request reads it, a polling client every few ms). Its
   * columns are listed: a prepared `SELECT *` would fail once a migration added one ("cached plan must not
   * change result type").
   */
  async find(db: JobDb, id: string): Promise<Job | undefined> {
    const { rows } = await executePrepared(
      db,
      db.selectFrom("jobs").select(columnNames).where("id", "=", id),
    );
    const row = rows[0];
    return row && toJob(row);
  }

  /**
   * Applies events of one job to it in ONE statement, each once per event id (the inbox claim of every one is
   * its first CTE): `folded` is the job these events alone would make (`evolve` folded over them); an existing
   * row is merged with it as `evolve(current, ...)` would (`merge` above: statuses only advance, so merging the
   * fold equals applying the events one after the other, and an event applied before changes nothing). No
   * transaction and no lock of our own: ON CONFLICT DO UPDATE locks the job's row and merges with its latest
   * committed version, so concurrent statements about one job are applied one after the other, and a
   * duplicate waits on its inbox row and then writes nothing. Nothing is written when every event is a
   * duplicate.
   */
  async applyOnce(db: JobDb, entries: readonly InboxEntry[], folded: Job, now: Date): Promise<Applied> {
    const row = toRow(folded, now);
    const { processed, answer } = await processAllOnceInOneStatementAnswering(
      db,
      entries,
      sql`, previous AS (SELECT status FROM jobs WHERE id = ${row.id}::uuid),
      job AS (
        INSERT INTO jobs (${sql.join(columnNames.map((c) => sql.ref(c)))})
        SELECT ${sql.join(columnNames.map((c) => sql`${row[c] ?? null}::${sql.raw(COLUMNS[c])}`))} FROM claimed
        ON CONFLICT (id) DO UPDATE SET ${merge(folded.status)}
        RETURNING status
      )`,
      sql<{ status: string | null; previous: string | null }>`,
        (SELECT status FROM job) AS status, (SELECT status FROM previous) AS previous`,
    );
    // `previous` is read in the statement's snapshot, which may be older than the row the merge locked: it can
    // only be further behind, so a status this statement advanced always differs from it (at worst a change
    // another event made is reported again; never is one missed).
    const { status, previous } = answer;
    return {
      processed,
      statusChanged: status !== null && status !== previous,
      status: (status ?? undefined) as JobStatus | undefined,
    };
  }

  /**
   * Records `job` unless its row exists (whatever it says), in one statement; whether it was recorded. Never
   * overwrites: an event applied a moment earlier wins, and one applied later is merged with this row.
   */
  async insertIfAbsent(db: JobDb, job: Job, now: Date): Promise<boolean> {
    const rows = await db
      .insertInto("jobs")
      .values(toRow(job, now))
      .onConflict((oc) => oc.column("id").doNothing())
      .returning("id")
      .execute();
    return rows.length === 1;
  }

  /**
   * Jobs that have heard nothing since `cutoff` end as FAILURE: their message may have died in a dead-letter
   * queue, or the calendar service be gone. FAILURE is terminal, so events arriving later change nothing. An
   * event applied at the same moment is not lost either way: the UPDATE re-checks its WHERE on the row version the
   * event committed (a SUCCESS, or a fresh last_event_at, no longer matches), and an event merged after it finds
   * FAILURE.
   */
  async failStale(db: JobDb, cutoff: Date, now: Date, reason: string): Promise<string[]> {
    const rows = await db
      .updateTable("jobs")
      .set({ status: "FAILURE", error: reason, updated_at: now })
      .where("status", "in", ["PENDING", "STARTED"])
      .where("last_event_at", "<", cutoff)
      .returning("id")
      .execute();
    return rows.map((r) => r.id);
  }

  /**
   * NOTIFY job_status once per job, in a statement of its own after the change committed: a NOTIFY inside the
   * write's transaction would take the notification queue's lock at commit and serialise every writer
   * (docs/architecture.md §4). Lost if no one listens at that moment; the streams' poll covers that.
   */
  async notifyChanged(db: JobDb, ids: readonly string[], sender: string): Promise<void> {
    if (ids.length === 0) return;
    await sql`SELECT pg_notify(${JOB_CHANNEL}, id || ' ' || ${sender}::text)
      FROM unnest(${[...ids]}::text[]) AS id`.execute(db);
  }
}
