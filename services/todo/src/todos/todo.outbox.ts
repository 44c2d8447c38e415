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

/**
 * Builds (and validates) the envelope of a todo event; the payload is written by the same SQL statement. The
 * schema runs unless every field is known to pass it (the schema's check was ~1.5 % of a POST's CPU): an id
 * from `randomUUID`, a time that `toISOString` writes in the contract's form (years 0..9999), a correlation
 * id of 1..128 characters; type, version and producer are typed constants.
 */
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
  const year = at.getUTCFullYear();
  const known =
    newId === randomUUID &&
    year >= 0 &&
    year <= 9999 &&
    correlationId.length >= 1 &&
    correlationId.length <= 128;
  return known ? envelope : TodoEventEnvelope.parse(envelope);
}
