import { GROUP_MAX_EVENTS, topologyEnv } from "@taskoverflow/messaging";
import { type BackendConfig, backendEnv, backendSettings, env, parseEnv } from "@taskoverflow/platform";
import { z } from "zod";

/** LIST_CACHE_BYTES's default: 8 MiB (a list of 100 todos is ~20 kB). */
export const LIST_CACHE_DEFAULT_BYTES = 8 * 1024 * 1024;

/** The todo service's environment: keys are the variable names. */
export const todoEnvSchema = z.object({
  /** AWS: SNS (and SQS, when the topology is resolved by name): the outbox relay publishes the events. */
  ...backendEnv("todo", 6401),
  /** The topic the outbox relay publishes to; unset means it is resolved by name from the topology. */
  TOPIC_ARN: z.string().trim().optional(),
  /** Name prefix of the topic when it is resolved by name (the consumers find their queues the same way). */
  ...topologyEnv(),
  /** The public address clients use (the gateway's); absolute URLs (task_url, Link) are built on it. */
  PUBLIC_URL: env.optionalUrl(),
  /** Bytes of whole-list answers kept per instance, each validated by the database on every hit (0 = off). */
  LIST_CACHE_BYTES: z.coerce.number().int().min(0).default(LIST_CACHE_DEFAULT_BYTES),
  /**
   * At most this many todo events in one SNS message (a group, docs/architecture.md §14); 1 sends each alone, for
   * a rolling deploy from a release whose consumers read no groups.
   */
  EVENT_GROUP_MAX: env.positiveInt(GROUP_MAX_EVENTS),
});

export interface TodoConfig extends BackendConfig {
  /** The topic to publish to; when absent it is resolved by name (see `publishing`). */
  topicArn?: string | undefined;
  /** Name prefix of the topology when the topic is resolved by name. Default: the topology's `defaultPrefix`. */
  topologyPrefix?: string;
  /** Unset: links name the request's host only when it is a local one (see publicOrigin). */
  publicUrl?: string | undefined;
  /** Bytes of whole-list answers the list cache keeps; 0 turns it off. Default 8 MiB. */
  listCacheBytes?: number;
  /** At most this many todo events in one message; 1 turns groups off. Default `GROUP_MAX_EVENTS`. */
  eventGroupMax?: number;
}

/**
 * How the todo service publishes its outbox:
 * - `arn`: to TOPIC_ARN as given (Terraform sets it in AWS);
 * - `resolve`: to the topic found by name from the one topology definition (`ensureTopology`, as the consumers
 *   find their queues), in a deployed mode: a PostgreSQL server (DATABASE_URL) or an AWS endpoint
 *   (AWS_ENDPOINT_URL) is configured. Failing to resolve it stops the service at start;
 * - `none`: the bare embedded defaults (PGlite, no AWS endpoint, no topic): nothing publishes, and the service
 *   says so at start. `npm start` always passes TOPIC_ARN.
 */
export function publishing(config: TodoConfig): "arn" | "resolve" | "none" {
  if (config.topicArn !== undefined) return "arn";
  if (config.databaseUrl !== undefined || config.aws.endpoint !== undefined) return "resolve";
  return "none";
}

/** Reads and validates the environment once; a wrong value throws a ConfigError naming the variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): TodoConfig {
  const e = parseEnv(todoEnvSchema, source);
  return {
    ...backendSettings(e),
    topicArn: e.TOPIC_ARN || undefined,
    topologyPrefix: e.TOPOLOGY_PREFIX,
    publicUrl: e.PUBLIC_URL,
    listCacheBytes: e.LIST_CACHE_BYTES,
    eventGroupMax: e.EVENT_GROUP_MAX,
  };
}
