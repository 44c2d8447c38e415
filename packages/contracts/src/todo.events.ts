import { z } from "zod";
import { boundedText, bounds } from "./api/bounds.ts";
import { defineEvent } from "./envelope.ts";

/** A todo's full state after a change, so consumers can keep projections without calling back. */
export const TodoState = z
  .object({
    id: z.number().int().positive().max(bounds.idMax).describe("The todo's id."),
    title: boundedText("title", bounds.title).describe("Title, 1..80 characters, no control characters."),
    description: boundedText("description", bounds.description)
      .describe("Description, up to 120 characters, no control characters but tab and newline.")
      .nullable(),
    completed: z.boolean().describe("Whether the todo is done."),
    deadlineAt: z.iso.datetime({ offset: true }).nullable().describe("Deadline (ISO 8601, UTC) or null."),
    createdAt: z.iso.datetime({ offset: true }).describe("When the todo was created (ISO 8601, UTC)."),
    updatedAt: z.iso.datetime({ offset: true }).describe("When the todo last changed (ISO 8601, UTC)."),
    version: z
      .number()
      .int()
      .positive()
      .describe(
        "Per-todo version, 1 on create and +1 on every change; consumers drop stale or repeated updates.",
      ),
  })
  .describe("A todo as it is after the change.");
export type TodoState = z.infer<typeof TodoState>;

const todoPayload = z.object({ todo: TodoState });

export const TodoCreated = defineEvent("TodoCreated", todoPayload, "A todo was created. Published by todo.");
export const TodoUpdated = defineEvent("TodoUpdated", todoPayload, "A todo was changed. Published by todo.");
export const TodoDeleted = defineEvent(
  "TodoDeleted",
  todoPayload,
  "A todo was deleted; `todo` is its last state with the version bumped. Published by todo.",
);
export type TodoCreated = z.infer<typeof TodoCreated>;
export type TodoUpdated = z.infer<typeof TodoUpdated>;
export type TodoDeleted = z.infer<typeof TodoDeleted>;
