import { z } from "zod";
import { createDocument, type ZodOpenApiResponsesObject } from "zod-openapi";
import {
  ExplorerDeadLetters,
  ExplorerEventPage,
  ExplorerEventQuery,
  ExplorerQueues,
  ExplorerRedrive,
  ExplorerTimeline,
} from "./explorer.ts";
import {
  CalendarExportRequest,
  ErrorBody,
  Health,
  ListQuery,
  TaskAccepted,
  TaskStatus,
  Todo,
  TodoCreateRequest,
  TodoUpdateRequest,
} from "./http.ts";
import { bodyErrors, common, error, json, noStore, Ready, taskIdParam, todoId } from "./openapi.parts.ts";

/** Every explorer route: 401 when EXPLORER_TOKEN is set and the bearer token is missing or wrong. */
const explorerErrors: ZodOpenApiResponsesObject = {
  "401": {
    description: "EXPLORER_TOKEN is set and `Authorization: Bearer <token>` is missing or wrong.",
    headers: z.object({ "WWW-Authenticate": z.string() }),
    ...json(ErrorBody),
  },
  ...common,
};
const explorerQueue = z.object({
  queue: z
    .string()
    .describe("A consumer's queue key from `GET /api/v1/explorer/queues`; anything else is a 404."),
});
const explorer = {
  security: [{ explorerToken: [] }],
  tags: ["explorer"],
};

/**
 * The OpenAPI 3.1 document of the public API, generated from the zod schemas the services validate with.
 * Served by the gateway at `GET /api/v1/openapi.json`.
 */
export function openApiDocument(): ReturnType<typeof createDocument> {
  return createDocument({
    openapi: "3.1.0",
    info: {
      title: "TaskOverflow API",
      version: "1.0.0",
      description:
        "The course's todo API (`../shared/taskoverflow-api.md`), with an asynchronous calendar export. " +
        'Every error is `{"error": "..."}` with a stable code in the `X-Error-Code` header.',
    },
    servers: [{ url: "/" }],
    components: {
      securitySchemes: {
        explorerToken: {
          type: "http",
          scheme: "bearer",
          description:
            "Only when the explorer's EXPLORER_TOKEN is set (the deployment sets it; npm start does not).",
        },
      },
    },
    paths: {
      "/api/v1/health": {
        get: {
          summary: "Liveness",
          responses: { "200": { description: "Up.", ...json(Health) }, ...common },
        },
      },
      "/api/v1/ready": {
        get: {
          summary: "Readiness: every backend answers its health check",
          responses: {
            "200": {
              description: "All backends up (ok), or only optional ones down (degraded).",
              ...json(Ready),
            },
            "503": { description: "A backend the todo flow needs is down.", ...json(Ready) },
          },
        },
      },
      "/api/v1/openapi.json": {
        get: {
          summary: "This document",
          responses: {
            "200": {
              description: "OpenAPI 3.1.",
              content: { "application/json": { schema: z.object({}).passthrough() } },
            },
          },
        },
      },
      "/api/v1/todos": {
        get: {
          summary: "List todos in id order",
          requestParams: { query: ListQuery },
          responses: {
            "200": {
              description: "The todos (one page of them with `limit`).",
              headers: z.object({
                Link: z
                  .string()
                  .optional()
                  .describe('`<absolute URL>; rel="next"` while a next page may exist (only with `limit`).'),
              }),
              ...json(z.array(Todo)),
            },
            "400": error("An invalid query parameter."),
            ...common,
          },
        },
        post: {
          summary: "Create a todo",
          requestBody: { required: true, ...json(TodoCreateRequest) },
          responses: {
            "201": { description: "Created.", ...json(Todo) },
            "400": error(
              "`extra fields`, `missing title`, a wrong type, a too long or invalid text, a bad deadline.",
            ),
            ...bodyErrors,
            ...common,
          },
        },
      },
      "/api/v1/todos/{id}": {
        get: {
          summary: "One todo",
          requestParams: { path: todoId },
          responses: {
            "200": { description: "The todo.", ...json(Todo) },
            "404": error("`Todo not found`."),
            ...common,
          },
        },
        put: {
          summary: "Update a todo",
          requestParams: { path: todoId },
          requestBody: { required: true, ...json(TodoUpdateRequest) },
          responses: {
            "200": { description: "The updated todo.", ...json(Todo) },
            "400": error("`extra fields` (checked before existence) or an invalid value."),
            "404": error("`Todo not found`."),
            ...bodyErrors,
            ...common,
          },
        },
        delete: {
          summary: "Delete a todo",
          requestParams: { path: todoId },
          responses: {
            "200": {
              description: "The deleted todo, or `{}` when there was none.",
              ...json(z.union([Todo, z.strictObject({})])),
            },
            ...common,
          },
        },
      },
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
          requestParams: { path: taskIdParam },
          responses: {
            "200": {
              description: "The status (`Cache-Control: no-store`).",
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
      "/api/v1/explorer/events": {
        get: {
          ...explorer,
          summary: "Recorded events, newest first (keyset pages)",
          requestParams: { query: ExplorerEventQuery },
          responses: {
            "200": {
              description: 'One page; `Link: <...>; rel="next"` while there may be more.',
              headers: z.object({ Link: z.string().optional() }),
              ...json(ExplorerEventPage),
            },
            "400": error("An invalid, unknown or repeated query parameter."),
            ...explorerErrors,
          },
        },
      },
      "/api/v1/explorer/stream": {
        get: {
          ...explorer,
          summary: "Events as they are recorded (Server-Sent Events)",
          requestParams: { query: ExplorerEventQuery.pick({ type: true, correlationId: true }) },
          responses: {
            "200": {
              description:
                "`text/event-stream`: one `recorded` message per event (`id` = seq, `data` = ExplorerEvent JSON); " +
                "`Last-Event-ID` resumes after that seq.",
              content: { "text/event-stream": { schema: z.string() } },
            },
            "400": error("An invalid filter."),
            ...explorerErrors,
          },
        },
      },
      "/api/v1/explorer/correlations/{id}": {
        get: {
          ...explorer,
          summary: "Every event of one request, in the order they happened",
          requestParams: {
            path: z.object({ id: z.string().describe("A correlation id (x-correlation-id).") }),
          },
          responses: {
            "200": { description: "The timeline.", ...json(ExplorerTimeline) },
            "400": error("Not a correlation id."),
            "404": error("`Correlation not found`: no event of it is recorded."),
            ...explorerErrors,
          },
        },
      },
      "/api/v1/explorer/queues": {
        get: {
          ...explorer,
          summary: "Every queue of the topology and its dead-letter queue, with message counts",
          responses: { "200": { description: "The queues.", ...json(ExplorerQueues) }, ...explorerErrors },
        },
      },
      "/api/v1/explorer/dead-letters/{queue}": {
        get: {
          ...explorer,
          summary: "Peek into a queue's dead-letter queue (every message stays there)",
          requestParams: {
            path: explorerQueue,
            query: z.object({ limit: z.string().optional().describe("1..50 messages (default 10).") }),
          },
          responses: {
            "200": { description: "The first messages.", ...json(ExplorerDeadLetters) },
            "400": error("An invalid limit."),
            "404": error("`Queue not found`."),
            ...explorerErrors,
          },
        },
      },
      "/api/v1/explorer/dead-letters/{queue}/redrive": {
        post: {
          ...explorer,
          summary: "Move a dead-letter queue's messages back to its queue (safe to repeat)",
          requestParams: { path: explorerQueue },
          responses: {
            "200": { description: "Moved by receive, send and delete (done).", ...json(ExplorerRedrive) },
            "202": {
              description: "An SQS message move task was started (runs on).",
              ...json(ExplorerRedrive),
            },
            "404": error("`Queue not found`."),
            ...explorerErrors,
          },
        },
      },
    },
  });
}
