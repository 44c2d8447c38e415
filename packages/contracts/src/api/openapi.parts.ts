// The pieces the OpenAPI document repeats: JSON bodies, error answers, the gateway's own errors, path parameters.
import { z } from "zod";
import type { ZodOpenApiResponsesObject } from "zod-openapi";
import { ErrorBody } from "./http.ts";

export const Ready = z
  .strictObject({
    status: z.enum(["ok", "degraded", "unavailable"]),
    error: z.string().optional(),
    backends: z.record(z.string(), z.enum(["ok", "down"])),
  })
  .meta({ id: "Ready" });

export const json = (schema: z.ZodType) => ({ content: { "application/json": { schema } } });
export const error = (description: string) => ({ description, ...json(ErrorBody) });

export const errorCode = z
  .string()
  .describe("A stable machine-readable code of the error (`todo_not_found`, ...).");
export const retryAfter = z.string().regex(/^\d+$/).describe("Seconds to wait before trying again.");

/** Answers any route may give: the gateway's own errors. */
export const common: ZodOpenApiResponsesObject = {
  "429": {
    description: "Too many writes or exports from this client (only where rate limits are configured).",
    headers: z.object({ "Retry-After": retryAfter, "X-Error-Code": errorCode }),
    ...json(ErrorBody),
  },
  "502": error("A backend could not be reached."),
  "503": {
    description: "A backend's circuit is open.",
    headers: z.object({ "Retry-After": retryAfter }),
    ...json(ErrorBody),
  },
  "504": error("A backend did not answer in time."),
};
export const bodyErrors: ZodOpenApiResponsesObject = {
  "413": error("The body is over the gateway's limit (64 KiB by default)."),
  "415": error("The body is not `application/json`."),
};

export const todoId = z.object({
  id: z.string().regex(/^\d+$/).describe("The todo's id; anything else is a 404."),
});
export const taskIdParam = z.object({
  taskId: z.string().describe("A task_id from `POST /api/v1/todos/ical`; anything else is a 404."),
});

/** Answers that change: nothing (browser or proxy) may cache them. */
export const noStore = z.object({ "Cache-Control": z.literal("no-store") });
