import {
  bounds,
  listQueryParams,
  TodoCreateRequest,
  TodoUpdateRequest,
  textProblem,
  todoFields,
  WRITABLE_FIELDS,
} from "@taskoverflow/contracts";
import { queryParams, ValidationError } from "@taskoverflow/platform";
import { z } from "zod";
import type { TodoChanges, TodoDraft, TodoFilter } from "./todo.domain.ts";
import { parseTimestamp } from "./todo.time.ts";

export { WRITABLE_FIELDS };

// The field schemas and their bounds are the contracts' (shared with the event schemas): title 1..80 and
// description ..120 characters (code points, as PostgreSQL's varchar counts them), valid Unicode, no control
// characters but tab and newline. Here the deadline's form is also checked as a calendar date and normalised.
const deadline = todoFields.deadline_at.unwrap().transform((s, ctx) => {
  const parsed = parseTimestamp(s);
  if (parsed === undefined) {
    ctx.addIssue({ code: "custom", message: "deadline_at is not a valid timestamp" });
    return z.NEVER;
  }
  return parsed;
});

const createSchema = TodoCreateRequest.extend({ deadline_at: deadline.nullable().optional() });
const updateSchema = TodoUpdateRequest.extend({ deadline_at: deadline.nullable().optional() });

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

/**
 * The fields of a body every check would pass, without zod (a POST's validation was ~5 % of the todo
 * service's CPU per request): the same rules (the contracts' `textProblem`, `parseTimestamp`), or undefined at
 * the first doubt, so that every refusal, and its message, still comes from the schema.
 */
function clearlyValid(o: Record<string, unknown>): z.infer<typeof updateSchema> | undefined {
  const { title, description, completed, deadline_at } = o;
  const text = (v: unknown, { min, max }: { min: number; max: number }) =>
    typeof v === "string" && textProblem(v, min, max) === undefined;
  if (title !== undefined && !text(title, bounds.title)) return undefined;
  if (description !== undefined && description !== null && !text(description, bounds.description))
    return undefined;
  if (completed !== undefined && typeof completed !== "boolean") return undefined;
  let deadline: string | null | undefined = deadline_at === null ? null : undefined;
  if (deadline_at !== undefined && deadline_at !== null) {
    deadline = typeof deadline_at === "string" ? parseTimestamp(deadline_at) : undefined;
    if (deadline === undefined) return undefined;
  }
  return {
    title: title as string | undefined,
    description: description as string | null | undefined,
    completed: completed as boolean | undefined,
    deadline_at: deadline,
  };
}

/** A create request: body must be an object, with no extra fields, with a title. */
export function parseCreate(body: unknown): TodoDraft {
  const object = asObject(body);
  if (object.title === undefined || object.title === null) {
    throw new ValidationError("missing title", "missing_title");
  }
  const fast = clearlyValid(object);
  const v = fast?.title !== undefined ? { ...fast, title: fast.title } : check(createSchema, object);
  return {
    title: v.title,
    description: v.description ?? null,
    completed: v.completed ?? false,
    deadlineAt: v.deadline_at ?? null,
  };
}

/** A partial update: keys not sent keep their values; `null` clears description/deadline_at. */
export function parseUpdate(body: unknown): TodoChanges {
  const object = asObject(body);
  const v = clearlyValid(object) ?? check(updateSchema, object);
  return defined({
    title: v.title,
    description: v.description,
    completed: v.completed,
    deadlineAt: v.deadline_at,
  });
}

/** One query parameter: absent, or given once and valid (a repeated one is a 400, like a bad one). */
const param = queryParams(listQueryParams);

/**
 * `?completed=true|false` and `?window=N` (days, N >= 0); they combine. Known parameters only; others are
 * ignored, as the course's Flask app ignored them. A window past the shared bound means the bound (the same
 * todos: every deadline), so the calendar event can carry it.
 */
export function parseListQuery(query: Record<string, unknown>): TodoFilter {
  const completed = param(query, "completed");
  const window = param(query, "window");
  return defined({
    completed: completed === undefined ? undefined : completed === "true",
    windowDays: window === undefined ? undefined : Math.min(Number(window), bounds.windowDaysMax),
  });
}

/** `?limit=N` (1..1000) and `?after=ID` of keyset paging; undefined for each when absent. */
export function parsePageQuery(query: Record<string, unknown>): { limit?: number; after?: number } {
  const limit = param(query, "limit");
  const after = param(query, "after");
  return defined({
    limit: limit === undefined ? undefined : Number(limit),
    after: after === undefined ? undefined : Number(after),
  });
}

/** A todo id from the path; anything that is not a stored id (int4) cannot name a todo. */
export function parseId(raw: string | undefined): number | undefined {
  if (raw === undefined || !/^\d{1,10}$/.test(raw)) return undefined;
  const id = Number(raw);
  return id >= 1 && id <= 2_147_483_647 ? id : undefined;
}
