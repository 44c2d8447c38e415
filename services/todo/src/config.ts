import { env, parseEnv } from "@taskoverflow/platform";
import { z } from "zod";

/** The todo service's environment: keys are the variable names. */
export const todoEnvSchema = z.object({
  PORT: env.port(6401),
  HOST: env.string("127.0.0.1"),
  LOG_LEVEL: env.logLevel(),
  /** A PostgreSQL server; unset means embedded PostgreSQL (PGlite) in DATA_DIR. */
  DATABASE_URL: env.optionalUrl(),
  DATABASE_POOL_SIZE: env.positiveInt(10),
  /** PGlite's data folder when DATABASE_URL is unset; "memory" keeps nothing. */
  DATA_DIR: env.string(".data/todo"),
  /** SNS endpoint (an emulator); unset means real AWS. */
  AWS_ENDPOINT_URL: env.optionalUrl(),
  AWS_REGION: env.string("us-east-1"),
  /** The topic the outbox relay publishes to; unset means events wait in the outbox (nothing publishes). */
  TOPIC_ARN: z.string().trim().optional(),
});

export interface TodoConfig {
  port: number;
  host: string;
  logLevel: z.infer<typeof todoEnvSchema>["LOG_LEVEL"];
  /** When absent the service runs on PGlite in `dataDir`. */
  databaseUrl?: string | undefined;
  databasePoolSize?: number | undefined;
  dataDir: string;
  aws: { endpoint?: string | undefined; region: string };
  /** When absent no outbox relay runs: events are written to the outbox and stay there. */
  topicArn?: string | undefined;
}

/** Reads and validates the environment once; a wrong value throws a ConfigError naming the variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): TodoConfig {
  const e = parseEnv(todoEnvSchema, source);
  return {
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    dataDir: e.DATA_DIR,
    aws: { endpoint: e.AWS_ENDPOINT_URL, region: e.AWS_REGION },
    topicArn: e.TOPIC_ARN || undefined,
  };
}
