import { env, parseEnv } from "@taskoverflow/platform";
import { z } from "zod";

/** The job-status service's environment: keys are the variable names. Defaults run the embedded mode. */
export const jobStatusEnvSchema = z.object({
  PORT: env.port(6403),
  HOST: env.string("127.0.0.1"),
  LOG_LEVEL: env.logLevel(),
  /** A PostgreSQL server; unset means embedded PostgreSQL (PGlite) in DATA_DIR. */
  DATABASE_URL: env.optionalUrl(),
  DATABASE_POOL_SIZE: env.positiveInt(10),
  DATA_DIR: env.string(".data/job-status"),
  /** SNS/SQS/S3 endpoint (an emulator); unset means real AWS. */
  AWS_ENDPOINT_URL: env.optionalUrl(),
  AWS_REGION: env.string("us-east-1"),
  /** Name prefix of the topic and queues when the queue URL is not given (ensureTopology converges them). */
  TOPOLOGY_PREFIX: z.string().default("taskoverflow-"),
  JOB_STATUS_QUEUE_URL: env.optionalUrl(),
  /** Asked whether an id we have not heard of yet was issued (GET /internal/v1/calendar-requests/:id). */
  TODO_SERVICE_URL: env.url("http://127.0.0.1:6401"),
  CONSUMER_CONCURRENCY: env.positiveInt(10),
});

export type JobStatusEnv = z.infer<typeof jobStatusEnvSchema>;

export interface JobStatusConfig {
  port: number;
  host: string;
  logLevel: JobStatusEnv["LOG_LEVEL"];
  databaseUrl?: string | undefined;
  databasePoolSize?: number | undefined;
  dataDir: string;
  aws: { endpoint?: string | undefined; region: string };
  topologyPrefix: string;
  queueUrl?: string | undefined;
  todoServiceUrl: string;
  concurrency: number;
}

/** Reads and validates the environment once; a wrong value throws a ConfigError naming the variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): JobStatusConfig {
  const e = parseEnv(jobStatusEnvSchema, source);
  return {
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    dataDir: e.DATA_DIR,
    aws: { endpoint: e.AWS_ENDPOINT_URL, region: e.AWS_REGION },
    topologyPrefix: e.TOPOLOGY_PREFIX,
    queueUrl: e.JOB_STATUS_QUEUE_URL,
    todoServiceUrl: e.TODO_SERVICE_URL,
    concurrency: e.CONSUMER_CONCURRENCY,
  };
}
