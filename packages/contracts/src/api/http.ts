import { z } from "zod";
import { boundedText, bounds } from "./bounds.ts";

/**
 * The REST API's request and response shapes (`../shared/taskoverflow-api.md`). The todo service validates
 * requests with these schemas, and the OpenAPI document (`openapi.ts`) is generated from them.
 */

/**
 * A deadline as clients write it: naive UTC `YYYY-MM-DDTHH:MM:SS`, a space for the T, optional seconds and
 * fraction, an optional `Z` or offset (converted to UTC). The calendar check (month lengths, year 1..9999) is
 * the todo service's, on top of this form.
 */
export const TIMESTAMP_INPUT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** A timestamp as the API writes it: naive UTC, a fraction only when it is not zero. */
const TIMESTAMP_OUTPUT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?$/;
const timestampOut = (description: string) => z.string().regex(TIMESTAMP_OUTPUT).describe(description);

/** The fields a client may write; any other key is `{"error":"extra fields"}`. */
export const todoFields = {
  title: boundedText("title", bounds.title).describe(
    "1..80 characters (code points); no control characters other than tab and newline.",
  ),
  description: boundedText("description", bounds.description)
    .describe("Up to 120 characters; no control characters other than tab and newline.")
    .nullable(),
  completed: z.boolean({ error: "completed must be a boolean" }),
  deadline_at: z
    .string({ error: "deadline_at must be a timestamp string or null" })
    .regex(TIMESTAMP_INPUT, { error: "deadline_at is not a valid timestamp" })
    .describe(
      "UTC `2023-02-27T00:00:00`; also with a space for the T, a fraction of a second, or a `Z`/offset (converted to UTC).",
    )
    .nullable(),
};

export const WRITABLE_FIELDS = ["title", "description", "completed", "deadline_at"] as const;

/** The fields a client writes; a create needs `title`, an update any of them. */
const todoWritable = z.strictObject({
  title: todoFields.title,
  description: todoFields.description.optional(),
  completed: todoFields.completed.optional(),
  deadline_at: todoFields.deadline_at.optional(),
});

export const TodoCreateRequest = todoWritable.meta({
  id: "TodoCreate",
  description: "A new todo; `description` and `deadline_at` default to null.",
});

export const TodoUpdateRequest = todoWritable
  .partial()
  .meta({ id: "TodoUpdate", description: "A partial update: keys not sent keep their values." });

export const Todo = z
  .strictObject({
    id: z.number().int().min(1).max(bounds.idMax),
    title: z.string().min(1),
    description: z.string().nullable(),
    completed: z.boolean(),
    deadline_at: timestampOut("Deadline, naive UTC").nullable(),
    created_at: timestampOut("Set by the server, naive UTC"),
    updated_at: timestampOut("Bumped on every update, naive UTC"),
  })
  .meta({ id: "Todo" });

export const ErrorBody = z
  .strictObject({ error: z.string().min(1) })
  .meta({ id: "Error", description: "Every error; the stable code is in the `X-Error-Code` header." });

/** One query parameter of `GET /api/v1/todos` (a repeated parameter is a 400). */
export const listQueryParams = {
  completed: z
    .enum(["true", "false"], { error: "completed must be true or false" })
    .describe("Only todos with this `completed`."),
  window: z
    .string()
    .regex(/^\d+$/, { error: "window must be a non-negative integer" })
    .describe(
      `Only todos whose deadline is at or before now + N days (overdue included, no deadline excluded). ` +
        `Values above ${bounds.windowDaysMax} mean the same as ${bounds.windowDaysMax} (every deadline up to 9999).`,
    ),
  limit: z
    .string()
    .regex(/^\d{1,4}$/, { error: `limit must be an integer from 1 to ${bounds.pageLimit.max}` })
    .refine((v) => Number(v) >= bounds.pageLimit.min && Number(v) <= bounds.pageLimit.max, {
      error: `limit must be an integer from 1 to ${bounds.pageLimit.max}`,
    })
    .meta({ pattern: "^[0-9]{1,4}$" })
    .describe(
      `Page size, 1..${bounds.pageLimit.max}. With it the answer is one page, and a \`Link: <...>; rel="next"\` ` +
        "header (RFC 8288) names the next one while there may be more. Without it, the whole list.",
    ),
  after: z
    .string()
    .regex(/^\d{1,10}$/, { error: "after must be a todo id (a non-negative integer)" })
    .refine((v) => Number(v) <= bounds.idMax, { error: "after must be a todo id (a non-negative integer)" })
    .meta({ pattern: "^[0-9]{1,10}$" })
    .describe("Only todos with an id greater than this (keyset paging: the last id of the previous page)."),
};

export const ListQuery = z.object({
  completed: listQueryParams.completed.optional(),
  window: listQueryParams.window.optional(),
  limit: listQueryParams.limit.optional(),
  after: listQueryParams.after.optional(),
});

/** `POST /api/v1/todos/ical`: the list's filters, in the query and/or this optional body. */
export const CalendarExportRequest = z
  .strictObject({
    completed: z.union([z.boolean(), z.enum(["true", "false"])]).optional(),
    window: z
      .union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)])
      .optional()
      .describe(`Days; values above ${bounds.windowDaysMax} mean ${bounds.windowDaysMax}.`),
  })
  .meta({ id: "CalendarExportRequest" });

const taskId = z.uuid().describe("The calendar job's id.");

export const TaskAccepted = z
  .strictObject({ task_id: taskId, task_url: z.url().describe("Absolute URL of the job's status.") })
  .meta({ id: "TaskAccepted" });

export const TaskStatus = z
  .strictObject({
    task_id: taskId,
    task_status: z.enum(["PENDING", "STARTED", "SUCCESS", "FAILURE"]),
    result_url: z.url().describe("Absolute URL of the calendar, once the job succeeded."),
  })
  .meta({ id: "TaskStatus" });

export const Health = z.strictObject({ status: z.literal("ok") }).meta({ id: "Health" });

/** The answers' types, for clients and tests. */
export type TodoBody = z.infer<typeof Todo>;
export type TaskAcceptedBody = z.infer<typeof TaskAccepted>;
export type TaskStatusBody = z.infer<typeof TaskStatus>;
