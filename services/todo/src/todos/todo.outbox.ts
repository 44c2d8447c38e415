import { randomUUID } from "node:crypto";
import { envelopeFields, TodoEventTypes } from "@taskoverflow/contracts";
import { z } from "zod";

export const PRODUCER = "todo";

export type TodoEventType = (typeof TodoEventTypes)[number];

const { sequence: _assignedAfterCommit, ...unsequenced } = envelopeFields;
const TodoEventEnvelope = z.strictObject({ ...unsequenced, type: z.enum(TodoEventTypes) });

/** Everything of a todo event but its payload (PostgreSQL adds the todo's state in the writing statement). */
export type TodoEventEnvelope = z.infer<typeof TodoEventEnvelope>;

export interface EventMeta {
  /** The x-correlation-id of the request that caused the change. */
  correlationId: string;
  /** When the change happened. */
  at: Date;
}

/** Builds (and validates) the envelope of a todo event; the payload is written by the same SQL statement. */
export function todoEventEnvelope(
  type: TodoEventType,
  { correlationId, at }: EventMeta,
  newId: () => string = randomUUID,
): TodoEventEnvelope {
  const envelope = {
    id: newId(),
    type,
    version: 1 as const,
    occurredAt: at.toISOString(),
    correlationId,
    producer: PRODUCER,
  };
  return TodoEventEnvelope.parse(envelope);
}
