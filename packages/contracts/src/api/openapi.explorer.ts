import { z } from "zod";
import type { ZodOpenApiPathsObject, ZodOpenApiResponsesObject } from "zod-openapi";
import {
  ExplorerDeadLetters,
  ExplorerEventPage,
  ExplorerEventQuery,
  ExplorerQueues,
  ExplorerRedrive,
  ExplorerTimeline,
} from "./explorer.ts";
import { ErrorBody } from "./http.ts";
import { common, error, json } from "./openapi.parts.ts";

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

/** The event explorer's routes of the OpenAPI document (`/api/v1/explorer/*`). */
export const explorerPaths: ZodOpenApiPathsObject = {
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
};
