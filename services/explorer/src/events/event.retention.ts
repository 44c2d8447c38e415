import { topology } from "@taskoverflow/messaging";
import type { Logger } from "@taskoverflow/platform";
import { CONSUMER } from "./event.handler.ts";
import type { EventRepository, ExplorerKysely } from "./event.repository.ts";

export interface Retention {
  maxAgeMs: number;
  maxEvents: number;
  sweepIntervalMs: number;
}

/**
 * An inbox row must outlive every copy of its event that SQS can still deliver: the work queue's retention plus
 * the dead-letter queue's (a redrive brings a message back from there). Only then may it go.
 */
export const inboxRetentionMs = (topology.retentionSeconds + topology.dlqRetentionSeconds) * 1000;

/** The retention sweep: events past the age or over the count, and inbox rows nothing can redeliver. */
export function createRetentionSweep({
  db,
  events,
  clock,
  retention,
}: {
  db: ExplorerKysely;
  events: EventRepository;
  clock: { now(): Date };
  retention: Retention;
}) {
  async function sweepOnce(): Promise<{ events: number; inbox: number }> {
    const now = clock.now().getTime();
    const removed = await events.sweep(db, {
      cutoff: new Date(now - retention.maxAgeMs),
      keep: retention.maxEvents,
    });
    const inbox = await events.sweepInbox(db, CONSUMER, new Date(now - inboxRetentionMs));
    return { events: removed, inbox };
  }

  return {
    sweepOnce,
    /** Sweeps every `sweepIntervalMs` until the returned function is called. */
    start(log: Logger): () => void {
      let running = false;
      const timer = setInterval(() => {
        if (running) return;
        running = true;
        sweepOnce()
          .then((r) => {
            if (r.events > 0 || r.inbox > 0) log.info(r, "retention sweep removed events");
          })
          .catch((err: unknown) => log.error({ err }, "retention sweep failed"))
          .finally(() => {
            running = false;
          });
      }, retention.sweepIntervalMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
