import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import { ListQuery, Todo, TodoCreateRequest, TodoUpdateRequest } from "./http.ts";
import { bodyErrors, common, error, json, todoId } from "./openapi.parts.ts";

/** The todo routes of the OpenAPI document (`/api/v1/todos`, `/api/v1/todos/{id}`). */
export const todoPaths: ZodOpenApiPathsObject = {
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
};
