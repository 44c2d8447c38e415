import { bounds, type CalendarFilters, listQueryParams } from "@taskoverflow/contracts";
import { queryParams } from "@taskoverflow/platform";

const param = queryParams(listQueryParams);

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
