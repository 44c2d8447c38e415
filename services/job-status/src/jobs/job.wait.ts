// `Prefer: wait=N` (RFC 7240) on GET /todos/ical/:id/status: a client that asks for it gets its answer when the
// job moves on from the state it is in, or after N seconds, instead of polling in a loop. A polling client costs
// a request a poll (the gateway, this service and the database each time), on the same cores as the job it waits
// for; a waiting one costs one request a state. Transport-free, like job.stream.ts: the route hands it a read.
import type { Logger } from "@taskoverflow/platform";
import type { JobChanges } from "./job.changes.ts";
import { isLaterThan, isTerminal, type JobStatus } from "./job.projection.ts";

/**
 * The seconds a `Prefer` header asks to wait (`wait=5`, among other preferences, case-insensitive), or undefined
 * when it asks for none or the value is not a whole number of seconds.
 */
export function preferredWaitSeconds(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  for (const preference of header.split(",")) {
    const [name, value] = (preference.split(";")[0] ?? "").split("=").map((s) => s.trim());
    if (name?.toLowerCase() !== "wait" || value === undefined) continue;
    const unquoted = value.replace(/^"(.*)"$/, "$1");
    return /^\d{1,9}$/.test(unquoted) ? Number(unquoted) : undefined;
  }
  return undefined;
}

export interface StatusWaitOptions {
  jobId: string;
  /** Reads the job's state now; its errors (404, 503) end the request as they would without a wait. */
  read(): Promise<JobStatus>;
  changes: Pick<JobChanges, "subscribe">;
  /** How long to hold the answer at most; 0 answers at once. */
  waitMs: number;
  /** The fallback re-read when no change notification came (one may be lost). */
  pollMs: number;
  /** Ends the wait early with the state last read (the client left, or the service stops). */
  signal: AbortSignal;
  log: Logger;
}

/**
 * Reads the job and, unless it has finished, waits for a later state (or `waitMs`, or the signal). It listens
 * before its first read, so a change that commits between the read and the wait still wakes it. A change made
 * in this instance comes with the status it committed, which is then the answer without reading it back (a
 * read could only give that status or a later one); one heard from the database is read.
 */
export async function readOrWaitForLaterState(o: StatusWaitOptions): Promise<JobStatus> {
  let woken = false;
  /** The latest status a wake carried since the last read (statuses only move forward). */
  let told: JobStatus | undefined;
  let wake = () => {};
  const unsubscribe = o.changes.subscribe(o.jobId, (status) => {
    woken = true;
    if (status !== undefined && (told === undefined || isLaterThan(status, told))) told = status;
    wake();
  });
  try {
    const first = await o.read();
    if (isTerminal(first) || o.waitMs <= 0) return first;
    const deadline = performance.now() + o.waitMs;
    while (!o.signal.aborted) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      if (!woken) await sleep(Math.min(left, o.pollMs), o.signal, (resolve) => (wake = resolve));
      woken = false;
      if (o.signal.aborted) break;
      try {
        const carried = told;
        told = undefined;
        if (carried !== undefined && isLaterThan(carried, first)) return carried;
        const now = await o.read();
        if (isLaterThan(now, first)) return now;
      } catch (err) {
        // The database or the todo service away for a moment: the next wake or poll tries again.
        o.log.warn({ err, jobId: o.jobId }, "status wait could not read the job");
      }
    }
    return first;
  } finally {
    unsubscribe();
  }
}

/**
 * Reads a job's status; when it has no row yet, waits up to `waitMs` for a change to it (its first event applied,
 * in this instance or another) and answers the status that change committed, or reads once more when it was
 * heard from the database or none came. The 202 that hands a client its id usually reaches it a few ms before
 * the job's CalendarRequested reaches us: answering from the event spares asking the todo service (a request
 * there and a read of its database) on every job's path. Undefined when the job is still unheard of.
 */
export async function readOrAwaitFirstEvent(o: {
  jobId: string;
  read(): Promise<JobStatus | undefined>;
  changes: Pick<JobChanges, "subscribe">;
  waitMs: number;
}): Promise<JobStatus | undefined> {
  const first = await o.read();
  if (first !== undefined || o.waitMs <= 0) return first;
  let unsubscribe = () => {};
  const told = await new Promise<JobStatus | undefined>((resolve) => {
    const timer = setTimeout(done, o.waitMs);
    function done(status?: JobStatus) {
      clearTimeout(timer);
      resolve(status);
    }
    unsubscribe = o.changes.subscribe(o.jobId, done);
  });
  unsubscribe();
  return told ?? o.read();
}

/** Resolves after `ms`, on the signal, or when the function handed to `onWake` is called. */
function sleep(ms: number, signal: AbortSignal, onWake: (resolve: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    onWake(done);
  });
}
