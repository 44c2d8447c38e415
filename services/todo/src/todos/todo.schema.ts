import { ValidationError } from "@taskoverflow/platform";
import { z } from "zod";
import type { TodoChanges, TodoDraft, TodoFilter } from "./todo.domain.ts";
import { parseTimestamp } from "./todo.time.ts";

/** Keys a client may send; anything else is `{"error":"extra fields"}` (checked first). */
export const WRITABLE_FIELDS = ["title", "description", "completed", "deadline_at"] as const;

// PostgreSQL's varchar(n) counts characters (code points), as Python's len() did; JS length counts
// UTF-16 units, so an emoji would count twice. NUL cannot be stored in PostgreSQL text at all.
const text = (field: string, min: number, max: number) =>
  z.string({ error: `${field} must be a string` }).refine(
    (s) => {
      const length = [...s].length;
      return length >= min && length <= max && !s.includes("\u0000");
    },
    {
      error:
        min > 0
          ? `${field} must be ${min} to ${max} characters`
          : `${field} must be at most ${max} characters`,
    },
  );

const deadline = z
  .string({ error: "deadline_at must be a timestamp string or null" })
  .transform((s, ctx) => {
    const parsed = parseTimestamp(s);
    if (parsed === undefined) {
      ctx.addIssue({ code: "custom", message: "deadline_at is not a valid timestamp" });
      return z.NEVER;
    }
    return parsed;
  })
  .nullable();

const fields = {
  title: text("title", 1, 80),
  description: text("description", 0, 120).nullable(),
  completed: z.boolean({ error: "completed must be a boolean" }),
  deadline_at: deadline,
};

const createSchema = z.strictObject({
  title: fields.title,
  description: fields.description.optional(),
  completed: fields.completed.optional(),
  deadline_at: fields.deadline_at.optional(),
});

const updateSchema = z.strictObject({
  title: fields.title.optional(),
  description: fields.description.optional(),
  completed: fields.completed.optional(),
  deadline_at: fields.deadline_at.optional(),
});

function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ValidationError("request body must be a JSON object", "invalid_body");
  }
  const object = body as Record<string, unknown>;
  const allowed: readonly string[] = WRITABLE_FIELDS;
  if (Object.keys(object).some((key) => !allowed.includes(key))) {
    throw new ValidationError("extra fields", "extra_fields");
  }
  return object;
}

function check<T>(schema: z.ZodType<T>, body: Record<string, unknown>): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  throw new ValidationError(result.error.issues[0]?.message ?? "invalid request body", "invalid_field");
}

/** Drops keys whose value is undefined, so partial updates touch only what the client sent. */
function defined<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

/** A create request: body must be an object, with no extra fields, with a title. */
export function parseCreate(body: unknown): TodoDraft {
  const object = asObject(body);
  if (object.title === undefined || object.title === null) {
    throw new ValidationError("missing title", "missing_title");
  }
  const v = check(createSchema, object);
  return {
    title: v.title,
    description: v.description ?? null,
    completed: v.completed ?? false,
    deadlineAt: v.deadline_at ?? null,
  };
}

/** A partial update: keys not sent keep their values; `null` clears description/deadline_at. */
export function parseUpdate(body: unknown): TodoChanges {
  const v = check(updateSchema, asObject(body));
  return defined({
    title: v.title,
    description: v.description,
    completed: v.completed,
    deadlineAt: v.deadline_at,
  });
}

// Known parameters only; others are ignored, as the course's Flask app ignored them.
const single = (name: string, pattern: RegExp, hint: string) =>
  z
    .union([z.string(), z.array(z.string())], { error: `${name} ${hint}` })
    .optional()
    .refine((v) => v === undefined || (typeof v === "string" && pattern.test(v)), {
      error: `${name} ${hint}`,
    })
    .transform((v) => v as string | undefined);

const querySchema = z.object({
  completed: single("completed", /^(true|false)$/, "must be true or false"),
  window: single("window", /^\d+$/, "must be a non-negative integer"),
});

/** `?completed=true|false` and `?window=N` (days, N >= 0); they combine. */
export function parseListQuery(query: Record<string, unknown>): TodoFilter {
  const result = querySchema.safeParse(query);
  if (!result.success) {
    throw new ValidationError(result.error.issues[0]?.message ?? "invalid query", "invalid_query");
  }
  const { completed, window } = result.data;
  return defined({
    completed: completed === undefined ? undefined : completed === "true",
    windowDays: window === undefined ? undefined : Number(window),
  });
}

/** A todo id from the path; anything that is not a stored id (int4) cannot name a todo. */
export function parseId(raw: string | undefined): number | undefined {
  if (raw === undefined || !/^\d{1,10}$/.test(raw)) return undefined;
  const id = Number(raw);
  return id >= 1 && id <= 2_147_483_647 ? id : undefined;
}
