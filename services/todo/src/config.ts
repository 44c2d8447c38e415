import {
  type AwsSettings,
  awsEnv,
  awsSettings,
  databaseEnv,
  databaseSettings,
  env,
  parseEnv,
  type ServiceDatabaseConfig,
} from "@taskoverflow/platform";
import { z } from "zod";

/** The todo service's environment: keys are the variable names. */
export const todoEnvSchema = z.object({
  PORT: env.port(6401),
  HOST: env.string("127.0.0.1"),
  LOG_LEVEL: env.logLevel(),
  ...databaseEnv("todo"),
  /** Only SNS is used here (the outbox relay publishes to TOPIC_ARN). */
  ...awsEnv(),
  /** The topic the outbox relay publishes to; unset means events wait in the outbox (nothing publishes). */
  TOPIC_ARN: z.string().trim().optional(),
  /** The public address clients use (the gateway's); absolute URLs (task_url, Link) are built on it. */
  PUBLIC_URL: env.optionalUrl(),
});

export interface TodoConfig extends ServiceDatabaseConfig {
  port: number;
  host: string;
  logLevel: z.infer<typeof todoEnvSchema>["LOG_LEVEL"];
  aws: AwsSettings;
  /** When absent no outbox relay runs: events are written to the outbox and stay there. */
  topicArn?: string | undefined;
  /** Unset: links name the request's host only when it is a local one (see publicOrigin). */
  publicUrl?: string | undefined;
}

/** Reads and validates the environment once; a wrong value throws a ConfigError naming the variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): TodoConfig {
  const e = parseEnv(todoEnvSchema, source);
  return {
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    ...databaseSettings(e),
    aws: awsSettings(e),
    topicArn: e.TOPIC_ARN || undefined,
    publicUrl: e.PUBLIC_URL,
  };
}
