// Who is waiting to hear that a job changed (event streams), and how they hear it. A job changes in whichever
// instance applied its event (or timed it out); the streams watching it may be in any instance. So a change is
// told twice: in process at once (`changed`), and to every instance through the database (`notifyOthers`: a
// NOTIFY in a statement of its own, after the commit). What an instance hears from the database comes in through
// `heard`. Neither is trusted alone: a stream also re-reads its job on a timer (job.stream.ts).

import type { JobStatus } from "./job.projection.ts";

/**
 * Called when a job may have changed; `status` is its status after that change when the change was made in this
 * instance (the committed statement answered it), undefined when heard from the database (read it).
 */
export type JobListener = (status: JobStatus | undefined) => void;

export interface JobChanges {
  /** Calls `listener` whenever `jobId` may have changed; the returned function unsubscribes. */
  subscribe(jobId: string, listener: JobListener): () => void;
  /**
   * After a commit that changed these jobs: wake this instance's streams, then tell the other instances.
   * `status`: what the commit left them at, when the caller knows it (the listeners then need not read it).
   */
  changed(jobIds: readonly string[], status?: JobStatus): void;
  /**
   * A notification from the database: one job, or undefined for "any job" (after a lost LISTEN connection).
   * One `sender` sent by this instance (`self`) wakes nobody: its listeners heard that change in process.
   */
  heard(jobId: string | undefined, sender?: string): void;
  /** Streams currently watching (for logs and tests). */
  watching(): number;
}

export function createJobChanges({
  notifyOthers,
  onNotifyFailed,
  self,
}: {
  /** Tells the other instances (NOTIFY job_status, payload the id and `self`); never inside the write's transaction. */
  notifyOthers: (jobIds: readonly string[]) => Promise<void>;
  onNotifyFailed: (err: unknown) => void;
  /** This instance's id in its notifications: its own come back over LISTEN and are not heard again. */
  self?: string;
}): JobChanges {
  const listeners = new Map<string, Set<JobListener>>();
  const wake = (jobId: string, status?: JobStatus) => {
    for (const listener of listeners.get(jobId) ?? []) listener(status);
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
    changed(jobIds, status) {
      if (jobIds.length === 0) return;
      for (const id of jobIds) wake(id, status);
      notifyOthers(jobIds).catch(onNotifyFailed);
    },
    heard(jobId, sender) {
      if (sender !== undefined && sender === self) return;
      if (jobId !== undefined) return wake(jobId);
      for (const id of [...listeners.keys()]) wake(id);
    },
    watching: () => [...listeners.values()].reduce((n, s) => n + s.size, 0),
  };
}
