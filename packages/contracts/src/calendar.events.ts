import { z } from "zod";
import { bounds } from "./api/bounds.ts";
import { defineEvent } from "./envelope.ts";

/** Where the calendar of a job is stored in its bucket: the one key a CalendarReady may name for that job. */
export const calendarObjectKey = (jobId: string): string => `calendars/${jobId}.ics`;

const jobId = z.uuid().describe("The calendar job's id (the task_id of the API).");

export const CalendarFilters = z
  .object({
    completed: z.boolean().optional().describe("Only todos with this `completed` value."),
    windowDays: z
      .number()
      .int()
      .nonnegative()
      .max(bounds.windowDaysMax)
      .optional()
      .describe("Only todos whose deadline is at or before the request time + this many days."),
  })
  .describe("The list endpoint's filters; none means every todo.");
export type CalendarFilters = z.infer<typeof CalendarFilters>;

export const CalendarRequested = defineEvent(
  "CalendarRequested",
  z.object({
    jobId,
    filters: CalendarFilters,
    requestedAt: z.iso
      .datetime({ offset: true })
      .describe("When the job was requested; `window` counts from here."),
  }),
  "A calendar export was requested. Published by todo through its outbox, so its `sequence` tells the calendar " +
    "service which todo changes the calendar must include (read-your-writes).",
);

export const CalendarStarted = defineEvent(
  "CalendarStarted",
  z.object({ jobId }),
  "The calendar service took a job up; it always comes before the job's CalendarReady or CalendarFailed. Written once the job has run 100 ms, or, for a job done sooner, in the statement that writes the outcome, just before it. Published by calendar.",
);

export const CalendarReady = defineEvent(
  "CalendarReady",
  z.object({
    jobId,
    bucket: z.string().min(1).describe("S3 bucket holding the calendar."),
    key: z.string().min(1).describe("S3 object key of the .ics file."),
    size: z.number().int().nonnegative().describe("Size of the .ics file in bytes."),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .describe("Hex SHA-256 of the .ics file."),
    eventCount: z.number().int().nonnegative().describe("Number of VEVENTs in the calendar."),
  }),
  "A job's calendar is stored in S3. Never carries the calendar itself (SNS messages are limited to 256 KiB). " +
    "Published by calendar.",
);

export const CalendarFailed = defineEvent(
  "CalendarFailed",
  z.object({
    jobId,
    reason: z.string().min(1).max(1000).describe("Why the job failed, safe to show to a user."),
  }),
  "A job failed for good. Published by calendar, or on behalf of a message that ended in a dead-letter queue.",
);

export type CalendarRequested = z.infer<typeof CalendarRequested>;
export type CalendarStarted = z.infer<typeof CalendarStarted>;
export type CalendarReady = z.infer<typeof CalendarReady>;
export type CalendarFailed = z.infer<typeof CalendarFailed>;
