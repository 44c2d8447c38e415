// Builders for tests in any package: valid events and TodoStates with a test's changes on top, so a suite
// does not copy a todo literal. Import from "@taskoverflow/contracts/testing" (never from production code).
import { randomUUID } from "node:crypto";
import type { CalendarFilters } from "./calendar.events.ts";
import { createEvent, type DomainEvent, type EventContext, type EventOf } from "./index.ts";
import type { TodoState } from "./todo.events.ts";

/** A todo as the events carry it: id 1, version 1, no deadline, unless `changes` say otherwise. */
export function todoState(changes: Partial<TodoState> = {}): TodoState {
  return {
    id: 1,
    title: "t",
    description: null,
    completed: false,
    deadlineAt: null,
    createdAt: "2024-01-01T00:00:00.000Z",
    updatedAt: "2024-01-01T00:00:00.000Z",
    version: 1,
    ...changes,
  };
}

/** The envelope context of a test event; fixed clock and id when a test needs byte-stable events. */
export function testContext(changes: Partial<EventContext> = {}): EventContext {
  return { correlationId: "test", producer: "test", ...changes };
}

type TodoEventType = "TodoCreated" | "TodoUpdated" | "TodoDeleted";

export function todoEvent<T extends TodoEventType>(
  type: T,
  todo: Partial<TodoState> = {},
  ctx: Partial<EventContext> = {},
): EventOf<T> {
  // The three todo events share one payload shape; TypeScript cannot see that through the generic.
  const payload = { todo: todoState(todo) } as unknown as EventOf<T>["payload"];
  return createEvent(type, payload, testContext({ producer: "todo", ...ctx }));
}

/** The four events of one calendar job, each with the job's id. */
export const calendarEvents = {
  requested: (
    jobId: string,
    filters: CalendarFilters = {},
    ctx: Partial<EventContext> = {},
    requestedAt = new Date(),
  ) =>
    createEvent(
      "CalendarRequested",
      { jobId, filters, requestedAt: requestedAt.toISOString() },
      testContext({ producer: "todo", ...ctx }),
    ),
  started: (jobId: string, ctx: Partial<EventContext> = {}) =>
    createEvent("CalendarStarted", { jobId }, testContext({ producer: "calendar", ...ctx })),
  ready: (
    jobId: string,
    object: Partial<Omit<EventOf<"CalendarReady">["payload"], "jobId">> = {},
    ctx: Partial<EventContext> = {},
  ) =>
    createEvent(
      "CalendarReady",
      { jobId, bucket: "b", key: `${jobId}.ics`, size: 1, sha256: "0".repeat(64), eventCount: 0, ...object },
      testContext({ producer: "calendar", ...ctx }),
    ),
  failed: (jobId: string, reason = "it broke", ctx: Partial<EventContext> = {}) =>
    createEvent("CalendarFailed", { jobId, reason }, testContext({ producer: "calendar", ...ctx })),
};

/** One valid event of every type (a new type is missing here until added: the contracts test checks). */
export function oneOfEach(ctx: Partial<EventContext> = {}): DomainEvent[] {
  const jobId = randomUUID();
  return [
    todoEvent("TodoCreated", {}, ctx),
    todoEvent("TodoUpdated", {}, ctx),
    todoEvent("TodoDeleted", {}, ctx),
    calendarEvents.requested(jobId, {}, ctx),
    calendarEvents.started(jobId, ctx),
    calendarEvents.ready(jobId, {}, ctx),
    calendarEvents.failed(jobId, "it broke", ctx),
  ];
}
