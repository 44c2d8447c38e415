import { enqueueEventsOnce } from "@taskoverflow/messaging";
import { executePrepared } from "@taskoverflow/platform";
import type { CalendarDb } from "../todos/todo.repository.ts";
import type { JobEventSink } from "./calendar.job.ts";

// Inbox consumer names: one per step, so each step's event is written once per request.
const STEP_CONSUMER = { started: "calendar:started", finished: "calendar" } as const;

/**
 * The job's events through the calendar's transactional outbox, each step once: the inbox rows and the outbox
 * rows in one statement (one round trip on the job's path).
 */
export function outboxJobEvents(db: CalendarDb, onCommitted: () => void): JobEventSink {
  return {
    async emitOnce(steps, sourceEventId) {
      const outcomes = await enqueueEventsOnce(
        db,
        sourceEventId,
        steps.map(({ step, event }) => ({ consumer: STEP_CONSUMER[step], event })),
      );
      if (outcomes.includes("processed")) onCommitted();
    },
    async finished(sourceEventId) {
      const { rows } = await executePrepared(
        db,
        db
          .selectFrom("processed_events")
          .select("event_id")
          .where("consumer", "=", STEP_CONSUMER.finished)
          .where("event_id", "=", sourceEventId),
      );
      return rows.length > 0;
    },
  };
}
