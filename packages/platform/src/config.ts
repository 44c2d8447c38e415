import { z } from "zod";
import type { ServiceDatabaseConfig } from "./database.ts";
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

/** The database variables of a service; spread into its schema. Unset DATABASE_URL means PGlite. */
export function databaseEnv(service: string) {
  return {
    /** A PostgreSQL server; unset means embedded PostgreSQL (PGlite) in DATA_DIR. */
    DATABASE_URL: env.optionalUrl(),
    DATABASE_POOL_SIZE: env.positiveInt(10),
    /** PGlite's data folder when DATABASE_URL is unset; "memory" keeps nothing. */
    DATA_DIR: env.string(`.data/${service}`),
  };
}

/** The AWS variables of a service; spread into its schema. */
export function awsEnv() {
  return {
    /** SNS/SQS/S3 endpoint (an emulator); unset means real AWS. */
    AWS_ENDPOINT_URL: env.optionalUrl(),
    AWS_REGION: env.string("us-east-1"),
  };
}

/** Where a service's AWS clients connect: an emulator when `endpoint` is set, real AWS otherwise. */
export interface AwsSettings {
  endpoint?: string | undefined;
  region: string;
}

/** The config fields read from `databaseEnv()`'s variables. */
export function databaseSettings(e: {
  DATABASE_URL?: string | undefined;
  DATABASE_POOL_SIZE: number;
  DATA_DIR: string;
}): ServiceDatabaseConfig {
  return { databaseUrl: e.DATABASE_URL, databasePoolSize: e.DATABASE_POOL_SIZE, dataDir: e.DATA_DIR };
}

/** The config field read from `awsEnv()`'s variables. */
export function awsSettings(e: { AWS_ENDPOINT_URL?: string | undefined; AWS_REGION: string }): AwsSettings {
  return { endpoint: e.AWS_ENDPOINT_URL, region: e.AWS_REGION };
}

export type LogLevel = z.infer<ReturnType<typeof env.logLevel>>;

/** Where a service listens and how much it logs. */
export interface ListenConfig {
  port: number;
  host: string;
  logLevel: LogLevel;
}

/**
 * The variables every service reads (PORT, HOST, LOG_LEVEL); spread into its schema. HOST defaults to 127.0.0.1
 * so a laptop run is not reachable from the network; containers set 0.0.0.0.
 */
export function listenEnv(port: number) {
  return { PORT: env.port(port), HOST: env.string("127.0.0.1"), LOG_LEVEL: env.logLevel() };
}

/** The config fields read from `listenEnv()`'s variables. */
export function listenSettings(e: { PORT: number; HOST: string; LOG_LEVEL: LogLevel }): ListenConfig {
  return { port: e.PORT, host: e.HOST, logLevel: e.LOG_LEVEL };
}

/** The config of a back-end service: where it listens, its database and its AWS endpoint. */
export interface BackendConfig extends ListenConfig, ServiceDatabaseConfig {
  aws: AwsSettings;
}

/** A back-end service's variables: `listenEnv`, `databaseEnv` and `awsEnv` in one; spread into its schema. */
export function backendEnv(service: string, port: number) {
  return { ...listenEnv(port), ...databaseEnv(service), ...awsEnv() };
}

/** The config fields read from `backendEnv()`'s variables. */
export function backendSettings(
  e: Parameters<typeof listenSettings>[0] &
    Parameters<typeof databaseSettings>[0] &
    Parameters<typeof awsSettings>[0],
): BackendConfig {
  return { ...listenSettings(e), ...databaseSettings(e), aws: awsSettings(e) };
}
