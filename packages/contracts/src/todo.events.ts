import { z } from "zod";
import { defineEvent } from "./envelope.ts";

/** Lengths in characters (code points), as the API and PostgreSQL's varchar count them, not UTF-16 units. */
const text = (min: number, max: number, description: string) =>
  z
    .string()
    .refine((s) => {
      const length = [...s].length;
      return length >= min && length <= max;
    }, `must be ${min}..${max} characters`)
    .describe(description);

/** A todo's full state after a change, so consumers can keep projections without calling back. */
export const TodoState = z
  .object({
    id: z.number().int().positive().describe("The todo's id."),
    title: text(1, 80, "Title, 1..80 characters."),
    description: text(0, 120, "Description, up to 120 characters, or null.").nullable(),
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
