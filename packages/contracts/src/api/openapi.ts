import { z } from "zod";
import { createDocument } from "zod-openapi";
import { Health } from "./http.ts";
import { calendarPaths } from "./openapi.calendar.ts";
import { explorerPaths } from "./openapi.explorer.ts";
import { common, json, Ready } from "./openapi.parts.ts";
import { todoPaths } from "./openapi.todos.ts";

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
      ...todoPaths,
      ...calendarPaths,
      ...explorerPaths,
    },
  });
}
