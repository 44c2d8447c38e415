import {
  calendarObjectKey,
  createEvent,
  type DomainEvent,
  type EventOf,
  type TodoState,
} from "@taskoverflow/contracts";
import { type BuiltCalendar, buildCalendar } from "./calendar.builder.ts";
import { selectTodos } from "./calendar.filter.ts";
import type { ObjectStore } from "./object-store.ts";

export const PRODUCER = "calendar";
export const CONTENT_TYPE = "text/calendar; charset=utf-8";

type CalendarRequested = EventOf<"CalendarRequested">;

export type JobStep = "started" | "finished";

/** Where the job's own events go: through the calendar's outbox, once per (step, request). */
export interface JobEventSink {
  /**
   * Writes each step's event unless that step was already emitted for the request `sourceEventId`: all in one
   * transaction, in the order given.
   */
  emitOnce(steps: readonly { step: JobStep; event: DomainEvent }[], sourceEventId: string): Promise<void>;
  /** Whether the request already finished (Ready or Failed emitted). */
  finished(sourceEventId: string): Promise<boolean>;
}

export interface CalendarJobDeps {
  /** The projection's todos that are not deleted, in id order. */
  todos(): Promise<TodoState[]>;
  store: ObjectStore;
  events: JobEventSink;
  clock: { now(): Date };
  newId?: () => string;
  /** UID domain. */
  calendarHost: string;
  /**
   * How long a job runs before CalendarStarted is written on its own (default 100 ms). A job done sooner writes
   * Started and its outcome in one statement: one relay pass and one delivery instead of two on its path.
   */
  startedAfterMs?: number;
}

/** A failure that retrying cannot fix: the job fails at once. */
export class PermanentFailure extends Error {
  override readonly name = "PermanentFailure";
}

/**
 * The calendar job: CalendarStarted, build from the projection, store the file, CalendarReady (or
 * CalendarFailed). Knows nothing of SQS or SQL: its ports are the todo source, the object store and the sink.
 */
export function createCalendarJob(deps: CalendarJobDeps) {
  const { store, events, clock } = deps;
  const ctx = (correlationId: string) => ({
    correlationId,
    producer: PRODUCER,
    now: () => clock.now(),
    ...(deps.newId && { newId: deps.newId }),
  });

  return {
    finished: (request: CalendarRequested) => events.finished(request.id),

    /**
     * Builds and stores the calendar and emits CalendarReady; throws PermanentFailure when it cannot be built.
     * CalendarStarted always comes first: on its own once the job has run `startedAfterMs`, otherwise in the
     * statement that writes CalendarReady (a redelivered request whose Started is out writes only Ready).
     */
    async run(request: CalendarRequested) {
      const { jobId, filters, requestedAt } = request.payload;
      const started = createEvent("CalendarStarted", { jobId }, ctx(request.correlationId));
      const announce = announceLater(
        () => events.emitOnce([{ step: "started", event: started }], request.id),
        deps.startedAfterMs ?? 100,
      );
      try {
        let built: BuiltCalendar;
        let buildStarted = 0;
        try {
          const todos = await deps.todos();
          buildStarted = performance.now();
          const selected = selectTodos(todos, filters, new Date(requestedAt));
          built = buildCalendar(selected, { host: deps.calendarHost, stamp: clock.now() });
        } catch (err) {
          throw new PermanentFailure("The calendar could not be built.", { cause: err });
        }
        const buildMs = Math.round(performance.now() - buildStarted);
        const key = calendarObjectKey(jobId);
        // Transient storage errors throw: the consumer retries, and its last attempt reports the failure.
        const stored = await store.put(key, built.body, CONTENT_TYPE);
        const ready = createEvent(
          "CalendarReady",
          {
            jobId,
            bucket: store.bucket,
            key,
            size: stored.size,
            sha256: stored.sha256,
            eventCount: built.eventCount,
          },
          ctx(request.correlationId),
        );
        // A Started written on its own has committed first (a transient failure of it throws: retried).
        const alone = await announce.settle();
        await events.emitOnce(
          alone
            ? [{ step: "finished", event: ready }]
            : [
                { step: "started", event: started },
                { step: "finished", event: ready },
              ],
          request.id,
        );
        return { key, size: stored.size, eventCount: built.eventCount, buildMs };
      } finally {
        // On a failure, a Started on its way commits before the failure is written (or the retry comes).
        await announce.settle().catch(() => undefined);
      }
    },

    /**
     * Ends the job as FAILURE (once; a later Ready for the same request is then never emitted), with a
     * CalendarStarted before it unless one is out already: every outcome follows a Started.
     */
    async fail(request: CalendarRequested, reason: string): Promise<void> {
      const { jobId } = request.payload;
      const started = createEvent("CalendarStarted", { jobId }, ctx(request.correlationId));
      const failed = createEvent("CalendarFailed", { jobId, reason }, ctx(request.correlationId));
      await events.emitOnce(
        [
          { step: "started", event: started },
          { step: "finished", event: failed },
        ],
        request.id,
      );
    },
  };
}

export type CalendarJob = ReturnType<typeof createCalendarJob>;

/**
 * Runs `write` after `afterMs` unless settled first. `settle()` cancels a write not yet begun and answers false;
 * once it has begun, it waits for it, answers true, and throws its error.
 */
function announceLater(write: () => Promise<void>, afterMs: number) {
  let written: Promise<void> | undefined;
  const timer = setTimeout(() => {
    written = write();
    written.catch(() => undefined); // settle() reports it
  }, afterMs);
  return {
    async settle(): Promise<boolean> {
      clearTimeout(timer);
      if (written === undefined) return false;
      await written;
      return true;
    },
  };
}
