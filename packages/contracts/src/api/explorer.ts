import { z } from "zod";

/**
 * The event explorer's answers (`/api/v1/explorer/*`), for the OpenAPI document. The explorer service shapes
 * them; the e2e tests check every answer against the document built from these.
 */

const seq = z
  .string()
  .regex(/^\d+$/)
  .describe("Order of recording in the explorer (decimal): the page cursor.");

export const ExplorerEvent = z
  .strictObject({
    seq,
    id: z.uuid().describe("The event's own id (envelope `id`)."),
    type: z.string().describe("Envelope `type`."),
    version: z.number().int(),
    producer: z.string().describe("Envelope `producer`: the service that published it."),
    sequence: z
      .number()
      .int()
      .nullable()
      .describe("Envelope `sequence` (the producer's outbox position), or null."),
    correlationId: z.string().describe("Envelope `correlationId`: the HTTP request that caused it."),
    occurredAt: z.iso.datetime().describe("Envelope `occurredAt`, in UTC."),
    recordedAt: z.iso.datetime().describe("When the explorer recorded it."),
    payloadSummary: z.string().describe("The payload's JSON, cut at EXPLORER_SUMMARY_BYTES bytes."),
    payloadBytes: z.number().int().nonnegative(),
    payloadTruncated: z.boolean(),
    routedTo: z.array(z.string()).describe("The queues whose subscription filter policy matches its type."),
  })
  .meta({ id: "ExplorerEvent" });

export const ExplorerEventPage = z
  .strictObject({
    events: z.array(ExplorerEvent).describe("Newest first."),
    next: seq.nullable().describe("`before` for the next page, or null on the last one."),
  })
  .meta({ id: "ExplorerEventPage" });

export const ExplorerTimeline = z
  .strictObject({
    correlationId: z.string(),
    events: z.array(ExplorerEvent).describe("In the order they happened (occurredAt, then sequence)."),
  })
  .meta({ id: "ExplorerTimeline" });

const counts = z
  .strictObject({
    visible: z.number().int().nonnegative(),
    inFlight: z.number().int().nonnegative(),
    delayed: z.number().int().nonnegative(),
  })
  .nullable()
  .describe("ApproximateNumberOfMessages, ...NotVisible and ...Delayed; null when the queue cannot be read.");

export const ExplorerQueues = z
  .strictObject({
    topic: z.string().describe("The SNS topic's name."),
    queues: z.array(
      z.strictObject({
        key: z.string().describe("The consumer (topology key): the `{queue}` of the dead-letter routes."),
        name: z.string(),
        description: z.string(),
        filterPolicy: z
          .strictObject({ type: z.array(z.string()) })
          .nullable()
          .describe("The subscription's filter policy; null: none, every event."),
        maxReceiveCount: z.number().int().positive(),
        counts,
        deadLetter: z.strictObject({ name: z.string(), counts }),
        error: z.string().optional().describe("Why a count is null."),
      }),
    ),
  })
  .meta({ id: "ExplorerQueues" });

export const ExplorerDeadLetters = z
  .strictObject({
    queue: z.string(),
    deadLetterQueue: z.string(),
    messages: z.array(
      z.strictObject({
        messageId: z.string(),
        receiveCount: z.number().int().nonnegative(),
        sentAt: z.iso.datetime().nullable(),
        type: z.string().nullable().describe("The `type` message attribute."),
        body: z.string().describe("The body, its first 2,000 characters."),
        bodyBytes: z.number().int().nonnegative(),
      }),
    ),
  })
  .meta({ id: "ExplorerDeadLetters" });

export const ExplorerRedrive = z
  .strictObject({
    queue: z.string(),
    mode: z.enum(["move-task", "copy"]),
    moved: z
      .number()
      .int()
      .nonnegative()
      .describe("Messages this call moved (copy mode; 0 for a move task)."),
    taskHandle: z.string().optional().describe("The SQS message move task (move-task mode)."),
  })
  .meta({ id: "ExplorerRedrive" });

/** GET /api/v1/explorer/events query. */
export const ExplorerEventQuery = z.object({
  type: z.string().optional().describe("Only events of this type."),
  correlationId: z.string().optional().describe("Only events of this request."),
  limit: z
    .string()
    .regex(/^\d{1,3}$/)
    .optional()
    .describe("Page size, 1..200 (default 50)."),
  before: z
    .string()
    .regex(/^\d+$/)
    .optional()
    .describe("Only events recorded before this `seq` (the previous page's `next`)."),
});
