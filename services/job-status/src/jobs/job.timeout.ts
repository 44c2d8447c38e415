import type { Logger } from "@taskoverflow/platform";
import type { Job, JobStatus } from "./job.projection.ts";
import type { JobStore } from "./job.repository.ts";

// The timeout policy: a job that hears nothing for `timeoutMs` ends as FAILURE, never PENDING forever. Two
// paths reach it: the sweep (jobs we know, silent too long) and a status request for an issued id whose
// CalendarRequested never reached us (dead-lettered). Both are terminal, so a straggling event changes nothing.

export const timedOutReason = (timeoutMs: number) =>
  `The calendar job did not finish within ${Math.round(timeoutMs / 1000)} s`;

/** Whether a job requested at `requestedAt` (ISO) and not heard of since is past the timeout at `now`. */
export function isOverdue(requestedAt: string, now: Date, timeoutMs: number): boolean {
  return now.getTime() - Date.parse(requestedAt) > timeoutMs;
}

/** The record of an issued job we never heard of, past its timeout. */
export function timedOutJob(id: string, requestedAt: string, timeoutMs: number): Job {
  return {
    id,
    status: "FAILURE",
    requestedAt,
    result: null,
    error: timedOutReason(timeoutMs),
    lastEventAt: requestedAt,
  };
}

/** How often the sweep runs: a quarter of the timeout, between 250 ms and 30 s. */
export const sweepIntervalMs = (timeoutMs: number) => Math.min(30_000, Math.max(250, timeoutMs / 4));

export interface JobTimeouts {
  /** The status of an issued id with no job row: PENDING, or FAILURE (recorded) once it is overdue. */
  statusOfUnheard(id: string, requestedAt: string): Promise<JobStatus>;
  /** Ends the silent jobs now; returns their ids. */
  sweep(): Promise<string[]>;
  /** Sweeps every `sweepIntervalMs(timeoutMs)` until the returned function is called. */
  startSweeping(log: Logger): () => void;
}

export function createJobTimeouts({
  db,
  jobs,
  clock,
  timeoutMs,
  onChanged = () => {},
}: JobStore & { timeoutMs: number }): JobTimeouts {
  const sweep = async () => {
    const now = clock.now();
    const ended = await jobs.failStale(
      db,
      new Date(now.getTime() - timeoutMs),
      now,
      timedOutReason(timeoutMs),
    );
    onChanged(ended, "FAILURE");
    return ended;
  };
  return {
    async statusOfUnheard(id, requestedAt) {
      if (!isOverdue(requestedAt, clock.now(), timeoutMs)) return "PENDING";
      // Recorded, so an event arriving after all cannot move the answer backwards; only if the job has no row
      // yet, in one statement, so an event applied right now cannot be overwritten (whichever is first wins).
      const recorded = await jobs.insertIfAbsent(db, timedOutJob(id, requestedAt, timeoutMs), clock.now());
      if (recorded) onChanged([id], "FAILURE");
      return (await jobs.find(db, id))?.status ?? "FAILURE";
    },
    sweep,
    startSweeping(log) {
      const timer = setInterval(
        () =>
          void sweep().then(
            (expired) => {
              if (expired.length > 0) log.warn({ jobIds: expired }, "jobs timed out: FAILURE");
            },
            (err: unknown) => log.error({ err }, "timeout sweep failed"),
          ),
        sweepIntervalMs(timeoutMs),
      );
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
