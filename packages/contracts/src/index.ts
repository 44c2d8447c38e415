import { randomUUID } from "node:crypto";
import { z } from "zod";
import { CalendarFailed, CalendarReady, CalendarRequested, CalendarStarted } from "./calendar.events.ts";
import { TodoCreated, TodoDeleted, TodoUpdated } from "./todo.events.ts";

export * from "./calendar.events.ts";
export { defineEvent, envelopeFields } from "./envelope.ts";
export * from "./todo.events.ts";

/** Every event in the system, discriminated by `type`. */
export const DomainEvent = z.discriminatedUnion("type", [
  TodoCreated,
  TodoUpdated,
  TodoDeleted,
  CalendarRequested,
  CalendarStarted,
  CalendarReady,
  CalendarFailed,
]);
export type DomainEvent = z.infer<typeof DomainEvent>;
export type EventType = DomainEvent["type"];
export type EventOf<T extends EventType> = Extract<DomainEvent, { type: T }>;

export const eventTypes = DomainEvent.options.map((o) => o.shape.type.value) as EventType[];

export const TodoEventTypes = ["TodoCreated", "TodoUpdated", "TodoDeleted"] as const satisfies EventType[];
export type TodoEvent = EventOf<(typeof TodoEventTypes)[number]>;

/** Parses anything into a DomainEvent, or says precisely why it is not one. */
export function parseEvent(input: unknown): { ok: true; event: DomainEvent } | { ok: false; reason: string } {
  const result = DomainEvent.safeParse(input);
  if (result.success) return { ok: true, event: result.data };
  return { ok: false, reason: z.prettifyError(result.error) };
}

export interface EventContext {
  correlationId: string;
  producer: string;
  /** Injected for deterministic tests. */
  now?: () => Date;
  newId?: () => string;
}

/** An event that breaks its own schema: a bug in the producer, never sent (the transaction that made it fails). */
export class InvalidEventError extends Error {
  override readonly name = "InvalidEventError";
  readonly type: string;
  readonly reason: string;
  constructor(type: string, reason: string) {
    super(`invalid ${type} event: ${reason}`);
    this.type = type;
    this.reason = reason;
  }
}

/**
 * Wraps a payload in the envelope and validates the result against the event's schema, so an invalid event
 * can never reach an outbox or a topic: it throws InvalidEventError instead (the caller's request fails as a
 * 500 and its transaction rolls back; the API's own validation makes that unreachable for client input).
 */
export function createEvent<T extends EventType>(
  type: T,
  payload: EventOf<T>["payload"],
  { correlationId, producer, now = () => new Date(), newId = randomUUID }: EventContext,
): EventOf<T> {
  const event = {
    id: newId(),
    type,
    version: 1,
    occurredAt: now().toISOString(),
    correlationId,
    producer,
    payload,
  } as EventOf<T>;
  const checked = parseEvent(event);
  if (!checked.ok) throw new InvalidEventError(type, checked.reason);
  return event;
}

/** Compile-time exhaustiveness: a new event type is an error until every `switch` handles it. */
export function assertNever(value: never): never {
  throw new Error(`unhandled event: ${JSON.stringify(value)}`);
}

export * from "./api/bounds.ts";
export * from "./api/feed.ts";
export * from "./api/http.ts";
