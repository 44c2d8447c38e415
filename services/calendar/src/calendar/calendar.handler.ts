import type { DomainEvent } from "@taskoverflow/contracts";
import { type HandlerOutcome, inProcessRetryMs, type MessageContext } from "@taskoverflow/messaging";
import type { Logger } from "@taskoverflow/platform";
import type { TodoProjector } from "../todos/todo.projector.ts";
import type { ReadYourWritesBarrier } from "./calendar.barrier.ts";
import { type CalendarJob, PermanentFailure } from "./calendar.job.ts";
import type { JobSlots } from "./calendar.slots.ts";

export { CONTENT_TYPE, PRODUCER } from "./calendar.job.ts";

export interface CalendarHandlerDeps {
  projector: TodoProjector;
  barrier: ReadYourWritesBarrier;
  job: CalendarJob;
  /** Bounds the jobs that build at once (CALENDAR_JOBS_AT_ONCE). */
  slots: JobSlots;
  log: Logger;
}

/** A request that finds every job slot taken is handed back in process after this long at first... */
const SLOT_FIRST_RETRY_MS = 5;
/** ...doubling with how long it has waited, up to this. */
const SLOT_MAX_RETRY_MS = 200;

/**
 * The calendar service's message handling: todo events go to the projector; a CalendarRequested passes the
 * read-your-writes barrier, takes one of the job slots, then the job builds, stores and announces the calendar.
 */
export function createCalendarHandler({ projector, barrier, job, slots, log }: CalendarHandlerDeps) {
  return {
    async handle(event: DomainEvent, context: MessageContext): Promise<HandlerOutcome> {
      switch (event.type) {
        case "TodoCreated":
        case "TodoUpdated":
        case "TodoDeleted":
          await projector.apply(event);
          return "done";
        case "CalendarRequested": {
          const { jobId } = event.payload;
          try {
            const sequence = projector.sequenceOf(event);
            if (sequence === undefined)
              context.log.warn(
                { jobId },
                "CalendarRequested without a todo sequence: built from what we have",
              );
            // Both are a round trip on every job's path: asked at once. A redelivered request that finished
            // meanwhile has then also passed the barrier, which only records what the projection reflects.
            const [finished, gate] = await Promise.all([
              job.finished(event),
              barrier(sequence, context, { jobId }),
            ]);
            if (finished) return "done";
            if (gate !== "open") return gate;
            // Every job slot taken: wait in process, holding no consumer slot, so todo events keep flowing.
            const release = slots.take();
            if (release === undefined) {
              if (context.waitedMs === 0) context.log.debug({ jobId }, "request waits for a job slot");
              return {
                retryInMs: inProcessRetryMs(context.waitedMs, SLOT_FIRST_RETRY_MS, SLOT_MAX_RETRY_MS),
              };
            }
            try {
              const done = await job.run(event);
              context.log.info({ jobId, ...done }, "calendar ready");
              return "done";
            } finally {
              release();
            }
          } catch (err) {
            if (!(err instanceof PermanentFailure)) throw err;
            context.log.error({ err, jobId }, "calendar job failed");
            await job.fail(event, err.message);
            return "done";
          }
        }
        default:
          // Not ours (the queue's filter policy should not deliver it): acknowledge and move on.
          context.log.debug({ type: event.type }, "ignored event");
          return "done";
      }
    },

    /** The consumer's last attempt failed: the job must end as FAILURE rather than PENDING forever. */
    async onExhausted(event: DomainEvent, error: unknown): Promise<void> {
      if (event.type !== "CalendarRequested") {
        log.error(
          { eventId: event.id, type: event.type, err: error },
          "event dead-lettered; a later resync covers it",
        );
        return;
      }
      await job.fail(event, "The calendar could not be produced; please try again.");
    },
  };
}

export type CalendarHandler = ReturnType<typeof createCalendarHandler>;
