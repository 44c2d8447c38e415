import { ValidationError } from "@taskoverflow/platform";
import { z } from "zod";

/** Query parameters of GET /events and GET /stream: each at most once, each checked. */
export const eventQuery = z.strictObject({
  type: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9]{0,63}$/, { error: "type must be an event type name" })
    .optional(),
  correlationId: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,128}$/, { error: "correlationId must be 1..128 of A-Z a-z 0-9 . _ : -" })
    .optional(),
  limit: z
    .string()
    .regex(/^\d{1,3}$/, { error: "limit must be an integer from 1 to 200" })
    .refine((v) => Number(v) >= 1 && Number(v) <= 200, { error: "limit must be an integer from 1 to 200" })
    .optional(),
  before: z
    .string()
    .regex(/^\d{1,18}$/, { error: "before must be a seq from a previous page" })
    .optional(),
});

export type EventQuery = z.infer<typeof eventQuery>;

/** Parses a Koa query object; a repeated or unknown parameter, or a bad value, is a 400 naming it. */
export function parseEventQuery(query: Record<string, string | string[] | undefined>): EventQuery {
  for (const [name, value] of Object.entries(query)) {
    if (Array.isArray(value)) throw new ValidationError(`${name} may be given once`);
  }
  const parsed = eventQuery.safeParse(query);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const message =
      issue?.code === "unrecognized_keys"
        ? `unknown parameter ${issue.keys.join(", ")}`
        : (issue?.message ?? "invalid query");
    throw new ValidationError(message);
  }
  return parsed.data;
}
