import { bounds, type CalendarFilters, listQueryParams } from "@taskoverflow/contracts";
import { ValidationError } from "@taskoverflow/platform";

/**
 * `?completed=true|false` and `?window=N` of the feed, validated exactly as the export and the list validate
 * them (the contracts' parameter schemas and messages, code `invalid_query`): a value that is not true/false or
 * not a non-negative integer, or a repeated parameter, is a 400; a window past the shared bound means the bound;
 * other parameters are ignored.
 */
export function parseFeedQuery(query: Record<string, unknown>): CalendarFilters {
  const completed = param(query, "completed");
  const window = param(query, "window");
  return {
    ...(completed !== undefined && { completed: completed === "true" }),
    ...(window !== undefined && { windowDays: Math.min(Number(window), bounds.windowDaysMax) }),
  };
}

function param(query: Record<string, unknown>, name: "completed" | "window"): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  const schema = listQueryParams[name];
  const result = typeof value === "string" ? schema.safeParse(value) : undefined;
  if (result?.success) return result.data;
  const message = schema.safeParse("").error?.issues[0]?.message;
  throw new ValidationError(
    result?.error.issues[0]?.message ?? message ?? `${name} is invalid`,
    "invalid_query",
  );
}
