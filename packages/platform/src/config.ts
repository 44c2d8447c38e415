import { z } from "zod";
import { ConfigError } from "./errors.ts";

/**
 * Parses the environment once at start-up against a service's schema. Keys of the schema are the
 * environment variable names; a wrong value fails with a message that names the variable.
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = issue.path.join(".") || "(environment)";
    return `${variable}: ${issue.message}`;
  });
  throw new ConfigError(`Invalid configuration:\n  ${problems.join("\n  ")}`);
}

/** Reusable pieces of the per-service environment schemas. */
export const env = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback),
  logLevel: () => z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  optionalUrl: () =>
    z
      .string()
      .trim()
      .transform((v) => (v === "" ? undefined : v))
      .pipe(z.url().optional())
      .optional(),
  url: (fallback: string) => z.url().default(fallback),
  string: (fallback: string) => z.string().min(1).default(fallback),
  positiveInt: (fallback: number) => z.coerce.number().int().positive().default(fallback),
  bool: (fallback: boolean) =>
    z
      .enum(["true", "false", "1", "0"])
      .default(fallback ? "true" : "false")
      .transform((v) => v === "true" || v === "1"),
};
