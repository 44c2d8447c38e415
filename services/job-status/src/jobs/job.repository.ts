import { type Kysely, type Selectable, sql, type Transaction } from "kysely";
import type { JobStatusTables, JobTable } from "../db/tables.ts";
import type { Job, JobStatus } from "./job.projection.ts";

export type JobDb = Kysely<JobStatusTables>;

/** The channel on which a change of a job is told to every instance (payload: the job's id). */
export const JOB_CHANNEL = "job_status";
export type JobTrx = Transaction<JobStatusTables>;

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
  /** After the commit, with the jobs whose status changed (event streams wake on it). */
  onChanged?: (jobIds: readonly string[]) => void;
}

export class JobRepository {
  async find(db: JobDb | JobTrx, id: string): Promise<Job | undefined> {
    const row = await db.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirst();
    return row && toJob(row);
  }

  /**
   * Serialises everything that changes one job (its events, a timeout) for this transaction and returns the job,
   * undefined when it does not exist yet. Two first events of one job may race, and a missing row cannot be
   * locked FOR UPDATE: the advisory lock on the id makes the second wait for the first's row.
   */
  async lock(trx: JobTrx, id: string): Promise<Job | undefined> {
    await sql`SELECT pg_advisory_xact_lock(hashtext(${id}))`.execute(trx);
    const row = await trx.selectFrom("jobs").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
    return row && toJob(row);
  }

  async save(trx: JobTrx, job: Job, now: Date): Promise<void> {
    const values = {
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
    const { id: _id, ...changes } = values;
    await trx
      .insertInto("jobs")
      .values(values)
      .onConflict((oc) => oc.column("id").doUpdateSet(changes))
      .execute();
  }

  /**
   * Jobs that have heard nothing since `cutoff` end as FAILURE: their message may have died in a dead-letter
   * queue, or the calendar service be gone. FAILURE is terminal, so events arriving later change nothing.
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
  async notifyChanged(db: JobDb, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await sql`SELECT pg_notify(${JOB_CHANNEL}, id) FROM unnest(${[...ids]}::text[]) AS id`.execute(db);
  }
}
