// Who is waiting to hear that a job changed (event streams), and how they hear it. A job changes in whichever
// instance applied its event (or timed it out); the streams watching it may be in any instance. So a change is
// told twice: in process at once (`changed`), and to every instance through the database (`notifyOthers`: a
// NOTIFY in a statement of its own, after the commit). What an instance hears from the database comes in through
// `heard`. Neither is trusted alone: a stream also re-reads its job on a timer (job.stream.ts).

export type JobListener = () => void;

export interface JobChanges {
  /** Calls `listener` whenever `jobId` may have changed; the returned function unsubscribes. */
  subscribe(jobId: string, listener: JobListener): () => void;
  /** After a commit that changed these jobs: wake this instance's streams, then tell the other instances. */
  changed(jobIds: readonly string[]): void;
  /** A notification from the database: one job, or undefined for "any job" (after a lost LISTEN connection). */
  heard(jobId: string | undefined): void;
  /** Streams currently watching (for logs and tests). */
  watching(): number;
}

export function createJobChanges({
  notifyOthers,
  onNotifyFailed,
}: {
  /** Tells the other instances (NOTIFY job_status, payload the id); never inside the write's transaction. */
  notifyOthers: (jobIds: readonly string[]) => Promise<void>;
  onNotifyFailed: (err: unknown) => void;
}): JobChanges {
  const listeners = new Map<string, Set<JobListener>>();
  const wake = (jobId: string) => {
    for (const listener of listeners.get(jobId) ?? []) listener();
  };
  return {
    subscribe(jobId, listener) {
      let set = listeners.get(jobId);
      if (!set) {
        set = new Set();
        listeners.set(jobId, set);
      }
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0 && listeners.get(jobId) === set) listeners.delete(jobId);
      };
    },
    changed(jobIds) {
      if (jobIds.length === 0) return;
      for (const id of jobIds) wake(id);
      notifyOthers(jobIds).catch(onNotifyFailed);
    },
    heard(jobId) {
      if (jobId !== undefined) return wake(jobId);
      for (const id of [...listeners.keys()]) wake(id);
    },
    watching: () => [...listeners.values()].reduce((n, s) => n + s.size, 0),
  };
}
