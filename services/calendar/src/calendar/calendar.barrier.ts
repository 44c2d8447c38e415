import { type HandlerOutcome, inProcessRetryMs, type MessageContext } from "@taskoverflow/messaging";
import { hasCaughtUpTo } from "../todos/projection.progress.ts";
import type { ProgressRow } from "../todos/todo.repository.ts";

/** What the barrier needs of the projection. */
export interface ProjectionProgress {
  /** Records `sequence` as reflected and tells whether every earlier one is applied (one round trip). */
  check(sequence: number): Promise<ProgressRow & { caughtUp: boolean }>;
  /** The compacted watermark. */
  progress(): Promise<ProgressRow>;
  resync(reason: string): Promise<ProgressRow>;
}

export interface BarrierOptions {
  /** How long a request waits in process (short redeliveries, no slot held) before SQS redelivers it. */
  catchUpWaitMs: number;
  /** From this delivery on, a request still waiting re-reads the todo service's snapshot instead. */
  resyncAfterReceives: number;
  /** In-process redelivery delays: first, then doubling up to max. Defaults 2 ms and 50 ms. */
  firstRetryMs?: number;
  maxRetryMs?: number;
}

/**
 * Read-your-writes: a calendar requested at todo-stream `sequence` is built only from a projection that
 * has applied every todo change before it. The barrier never sleeps holding a consumer slot: it answers
 * "open", or a short in-process redelivery, or (after `catchUpWaitMs`) an SQS redelivery; from
 * `resyncAfterReceives` on it re-reads the todo service's snapshot (the earlier events are late or lost).
 */
export function createReadYourWritesBarrier(projection: ProjectionProgress, options: BarrierOptions) {
  const firstRetryMs = options.firstRetryMs ?? 2;
  const maxRetryMs = options.maxRetryMs ?? 50;

  return async function check(
    sequence: number | undefined,
    { receiveCount, waitedMs, log }: MessageContext,
    label: Record<string, unknown>,
  ): Promise<"open" | Exclude<HandlerOutcome, "done">> {
    if (sequence === undefined) {
      if (!(await projection.progress()).initialised) await projection.resync("first start");
      return "open";
    }
    const checked = await projection.check(sequence);
    if (checked.caughtUp && checked.initialised) return "open";
    let progress: ProgressRow = checked;
    if (!checked.initialised) {
      progress = await projection.resync("first start: the projection was never initialised");
    } else {
      // Compacting moves the watermark over the applied rows, for the log and the next checks.
      progress = await projection.progress();
    }
    if (hasCaughtUpTo(progress.watermark, sequence)) return "open";
    if (waitedMs === 0) {
      log.debug(
        { ...label, sequence, watermark: progress.watermark },
        "request waits for earlier todo changes",
      );
    }
    if (waitedMs < options.catchUpWaitMs) {
      // Doubling from firstRetryMs, by how long this delivery has waited so far.
      return { retryInMs: inProcessRetryMs(waitedMs, firstRetryMs, maxRetryMs) };
    }
    if (receiveCount < options.resyncAfterReceives) {
      log.info({ ...label, sequence, watermark: progress.watermark }, "waiting for earlier todo changes");
      return "retryLater";
    }
    progress = await projection.resync(`request at sequence ${sequence} still waiting for earlier changes`);
    return "open";
  };
}

export type ReadYourWritesBarrier = ReturnType<typeof createReadYourWritesBarrier>;
