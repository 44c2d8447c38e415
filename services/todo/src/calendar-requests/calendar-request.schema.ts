import type { CalendarFilters } from "@taskoverflow/contracts";
import { ValidationError } from "@taskoverflow/platform";
import { parseListQuery } from "../todos/todo.schema.ts";

const ALLOWED = ["completed", "window"];

/**
 * The list endpoint's filters, from the query string and/or an optional JSON body
 * (`{"completed": true, "window": 7}`; strings "true"/"7" are taken too). Validated exactly like
 * `GET /api/v1/todos`: 400 for a value that is not true/false or not a non-negative integer. The body wins
 * over the query for a key given in both. No filter means every todo.
 */
export function parseCalendarFilters(query: Record<string, unknown>, body: unknown): CalendarFilters {
  const fromQuery = parseListQuery(query);
  if (body === undefined || body === null || (typeof body === "string" && body === "")) return fromQuery;
  if (typeof body !== "object" || Array.isArray(body)) {
    throw new ValidationError("request body must be a JSON object", "invalid_body");
  }
  const object = body as Record<string, unknown>;
  if (Object.keys(object).some((key) => !ALLOWED.includes(key))) {
    throw new ValidationError("extra fields", "extra_fields");
  }
  const asText = (key: string): unknown => {
    const v = object[key];
    return typeof v === "boolean" || (typeof v === "number" && Number.isSafeInteger(v)) ? String(v) : v;
  };
  const fromBody = parseListQuery({
    ...(object.completed !== undefined && { completed: asText("completed") }),
    ...(object.window !== undefined && { window: asText("window") }),
  });
  return { ...fromQuery, ...fromBody };
}
