import { z } from "zod";

/** Fields every event carries, whatever its type. */
export const envelopeFields = {
  id: z.uuid().describe("Unique id of this event; consumers record it to process each event once."),
  version: z.literal(1).describe("Schema version of this event type; bumped on a breaking change."),
  occurredAt: z.iso.datetime({ offset: true }).describe("When the change happened (ISO 8601, UTC)."),
  correlationId: z
    .string()
    .min(1)
    .max(128)
    .describe("The x-correlation-id of the HTTP request that caused this event, passed through every event."),
  producer: z.string().min(1).describe("The service that published the event (todo, calendar)."),
  sequence: z
    .number()
    .int()
    .positive()
    .optional()
    .describe(
      "Position in the producer's outbox: gapless and in commit order per producer. " +
        "Set by the transactional outbox; consumers use it to know how far their projection has caught up.",
    ),
};

/** Builds an event schema: the envelope plus a literal `type` and a typed `payload`. */
export function defineEvent<T extends string, P extends z.ZodType>(type: T, payload: P, description: string) {
  return z
    .object({
      ...envelopeFields,
      type: z.literal(type).describe("The event type; also sent as the SNS message attribute `type`."),
      payload,
    })
    .describe(description);
}
