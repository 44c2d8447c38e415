import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import { CalendarExportRequest, ListQuery, TaskAccepted, TaskStatus } from "./http.ts";
import { bodyErrors, common, error, json, noStore, taskIdParam } from "./openapi.parts.ts";

/** The calendar routes of the OpenAPI document: the subscribed feed and the asynchronous export (start, status, pushed states, result). */
export const calendarPaths: ZodOpenApiPathsObject = {
  "/api/v1/todos/calendar.ics": {
    get: {
      summary: "Subscribe: the todos as a live calendar feed",
      description:
        "The todos with a deadline as an RFC 5545 calendar that calendar apps subscribe to (`webcal://` this URL). " +
        "Kept current by the todo events (a projection in the calendar service; a change is visible within a " +
        "fraction of a second), served from stored bytes. UIDs are the export's (`todo-<id>@<host>`), a changed " +
        "todo keeps its UID with a higher SEQUENCE, a deleted one disappears. `REFRESH-INTERVAL` and " +
        "`X-PUBLISHED-TTL` say how often to come back. Conditional requests: `If-None-Match` with the ETag " +
        "gives 304. With `Accept-Encoding: gzip` the bytes come precompressed (`Content-Encoding: gzip`).",
      requestParams: {
        query: ListQuery.pick({ completed: true, window: true }),
        header: z.object({
          "If-None-Match": z
            .string()
            .optional()
            .describe("An ETag from an earlier answer: 304 while unchanged."),
          "Accept-Encoding": z.string().optional().describe("`gzip` gets the precompressed bytes."),
        }),
      },
      responses: {
        "200": {
          description: "The calendar (RFC 5545), `window` counted from now.",
          headers: z.object({
            ETag: z.string().describe('Strong validator of these bytes; the gzip bytes end in `-gzip"`.'),
            "Last-Modified": z.string().describe("When the feed last changed; never moves backwards."),
            "Cache-Control": z.literal("no-cache"),
            Vary: z.literal("Accept-Encoding"),
            "Content-Encoding": z.literal("gzip").optional(),
          }),
          content: { "text/calendar": { schema: z.string() } },
        },
        "304": {
          description: "Not modified: `If-None-Match` names the current ETag.",
          headers: z.object({ ETag: z.string(), "Last-Modified": z.string() }),
        },
        "400": error("An invalid filter (the same rules as the list and the export)."),
        ...common,
      },
    },
  },
  "/api/v1/todos/ical": {
    post: {
      summary: "Start a calendar export",
      requestParams: { query: ListQuery.pick({ completed: true, window: true }) },
      requestBody: { required: false, ...json(CalendarExportRequest) },
      responses: {
        "202": { description: "Accepted.", ...json(TaskAccepted) },
        "400": error("An invalid filter."),
        ...bodyErrors,
        ...common,
      },
    },
  },
  "/api/v1/todos/ical/{taskId}/status": {
    get: {
      summary: "A calendar job's status",
      description:
        "With `Prefer: wait=N` (RFC 7240) the answer is held until the job moves on from the state it is in " +
        "(then it names the new state), or N seconds pass (at most STATUS_WAIT_MAX_MS, 5 s by default; then the " +
        "unchanged state): a client waits in one request per state instead of polling. A finished job, an " +
        "unknown id or an error is answered at once.",
      requestParams: {
        path: taskIdParam,
        header: z.object({
          Prefer: z
            .string()
            .optional()
            .describe("`wait=N`: hold the answer up to N seconds for the job to move on."),
        }),
      },
      responses: {
        "200": {
          description:
            "The status (`Cache-Control: no-store`, `Vary: Prefer`; `Preference-Applied: wait=N` when held).",
          headers: noStore,
          ...json(TaskStatus),
        },
        "404": error("`Task not found`: never issued."),
        ...common,
      },
    },
  },
  "/api/v1/todos/ical/{taskId}/events": {
    get: {
      summary: "A calendar job's states, pushed (Server-Sent Events)",
      description:
        "One event per state the job is seen in, in order, ending after `SUCCESS` or `FAILURE`: `id:` the " +
        "state (`PENDING`, `STARTED`, `SUCCESS`, `FAILURE`), `data:` exactly the JSON of `GET .../status` " +
        "(`TaskStatus`). A `retry:` line first, and a `: ping` comment every 15 s while nothing happens. " +
        "Reconnecting with `Last-Event-ID` sends only later states; a finished job sends its final state " +
        "and ends. Errors are answered as JSON before any event.",
      requestParams: {
        path: taskIdParam,
        header: z.object({
          "Last-Event-ID": z
            .enum(["PENDING", "STARTED", "SUCCESS", "FAILURE"])
            .optional()
            .describe("The last state received (EventSource sends it when it reconnects)."),
        }),
      },
      responses: {
        "200": {
          description:
            "The stream (`Cache-Control: no-store`): `id: STARTED\ndata: {...TaskStatus}\n\n` per state.",
          headers: z.object({ "Cache-Control": z.literal("no-store") }),
          content: { "text/event-stream": { schema: z.string() } },
        },
        "204": {
          description:
            "`Last-Event-ID` is the job's final state: nothing more will come (EventSource stops).",
        },
        "404": error("`Task not found`: never issued (or not a task id)."),
        ...common,
      },
    },
  },
  "/api/v1/todos/ical/{taskId}/result": {
    get: {
      summary: "A finished calendar",
      requestParams: { path: taskIdParam },
      responses: {
        "200": {
          description: "The calendar (RFC 5545).",
          headers: noStore,
          content: { "text/calendar": { schema: z.string() } },
        },
        "404": error("`Task not finished`."),
        "410": error("`Calendar expired`: the job succeeded but its file is gone; export again."),
        ...common,
      },
    },
  },
};
