import type { z } from "zod";
import { ValidationError } from "./errors.ts";

/** A query parameter's reader: absent (undefined), or given once and valid; anything else is a 400. */
export type QueryParam<K extends string> = (query: Record<string, unknown>, name: K) => string | undefined;

/**
 * Reads single query parameters by their schemas (`listQueryParams` of the contracts): a parameter is absent, or
 * given once and valid. A bad value or a repeated parameter is a `ValidationError` with code `invalid_query` and
 * the schema's message (every parameter's schema has one message: the empty string fails with it, so a repeated
 * parameter gets it too).
 */
export function queryParams<K extends string>(schemas: Record<K, z.ZodType<string, string>>): QueryParam<K> {
  return (query, name) => {
    const value = query[name];
    if (value === undefined) return undefined;
    const schema = schemas[name];
    const result = typeof value === "string" ? schema.safeParse(value) : undefined;
    if (result?.success) return result.data;
    const message = schema.safeParse("").error?.issues[0]?.message;
    throw new ValidationError(
      result?.error.issues[0]?.message ?? message ?? `${name} is invalid`,
      "invalid_query",
    );
  };
}
