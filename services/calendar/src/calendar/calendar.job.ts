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

/** Where the job's own events go: through the calendar's outbox, once per (step, request). */
export interface JobEventSink {
  /** Writes `event` unless `step` was already emitted for the request `sourceEventId`. */
  emitOnce(step: "started" | "finished", event: DomainEvent, sourceEventId: string): Promise<void>;
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

    /** Builds and stores the calendar and emits CalendarReady; throws PermanentFailure when it cannot be built. */
    async run(request: CalendarRequested) {
      const { jobId, filters, requestedAt } = request.payload;
      // CalendarStarted is written while the todos are read (two round trips at once, not one after the
      // other); it has committed before CalendarReady is written, so its sequence stays the lower one.
      const [read, emitted] = await Promise.allSettled([
        deps.todos(),
        events.emitOnce(
          "started",
          createEvent("CalendarStarted", { jobId }, ctx(request.correlationId)),
          request.id,
        ),
      ]);
      if (emitted.status === "rejected") throw emitted.reason; // transient: the consumer retries
      const started = performance.now();
      let built: BuiltCalendar;
      try {
        if (read.status === "rejected") throw read.reason;
        const selected = selectTodos(read.value, filters, new Date(requestedAt));
        built = buildCalendar(selected, { host: deps.calendarHost, stamp: clock.now() });
      } catch (err) {
        throw new PermanentFailure("The calendar could not be built.", { cause: err });
      }
      const buildMs = Math.round(performance.now() - started);
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
      await events.emitOnce("finished", ready, request.id);
      return { key, size: stored.size, eventCount: built.eventCount, buildMs };
    },

    /** Ends the job as FAILURE (once; a later Ready for the same request is then never emitted). */
    async fail(request: CalendarRequested, reason: string): Promise<void> {
      const failed = createEvent(
        "CalendarFailed",
        { jobId: request.payload.jobId, reason },
        ctx(request.correlationId),
      );
      await events.emitOnce("finished", failed, request.id);
    },
  };
}

export type CalendarJob = ReturnType<typeof createCalendarJob>;
