import { type BackendConfig, backendEnv, backendSettings, env } from "@taskoverflow/platform";
import { z } from "zod";
import { topology } from "./topology.ts";

/** TOPOLOGY_PREFIX: the names of the topic and queues when their addresses are not given; spread into a schema. */
export function topologyEnv() {
  return {
    /** Name prefix of the topic and queues when they are resolved by name (ensureTopology converges them). */
    TOPOLOGY_PREFIX: z.string().default(topology.defaultPrefix),
  };
}

/** What a consumer's receive loop does unless its service says otherwise (see `gatherMs` in sqs.types.ts). */
export const defaultGatherMs = 20;

/** Per service: how long its consumer waits to gather after a partial receive (CONSUMER_GATHER_MS's default). */
export interface ConsumerDefaults {
  gatherMs?: number;
}

/**
 * A consumer's variables besides its queue's URL: the topology prefix, how many messages it handles at once, and
 * how long it waits after a partial receive so that the messages arriving meanwhile come in one (0: never).
 */
export function consumerEnv(defaults: ConsumerDefaults = {}) {
  return {
    ...topologyEnv(),
    CONSUMER_CONCURRENCY: env.positiveInt(10),
    CONSUMER_GATHER_MS: z.coerce
      .number()
      .int()
      .min(0)
      .max(1_000)
      .default(defaults.gatherMs ?? defaultGatherMs),
  };
}

/** The config of a service that consumes its queue of the topology. */
export interface ConsumerConfig {
  topologyPrefix: string;
  /** The queue; when absent it is resolved by name from the topology. */
  queueUrl?: string | undefined;
  concurrency: number;
  /** The receive loop's wait after a partial receive (CONSUMER_GATHER_MS); 0 never waits; absent: the consumer's default. */
  gatherMs?: number | undefined;
}

/** The config fields read from `consumerEnv()`'s variables and the service's own queue URL variable. */
export function consumerSettings(
  e: { TOPOLOGY_PREFIX: string; CONSUMER_CONCURRENCY: number; CONSUMER_GATHER_MS: number },
  queueUrl: string | undefined,
): ConsumerConfig {
  return {
    topologyPrefix: e.TOPOLOGY_PREFIX,
    queueUrl,
    concurrency: e.CONSUMER_CONCURRENCY,
    gatherMs: e.CONSUMER_GATHER_MS,
  };
}

/**
 * A back-end service that consumes its queue of the topology (calendar, job-status, explorer): `backendEnv`
 * (PORT, HOST, LOG_LEVEL, database, AWS) and `consumerEnv()` in one; spread into its schema beside its queue's
 * URL variable.
 */
export function consumerBackendEnv(service: string, port: number, defaults: ConsumerDefaults = {}) {
  return { ...backendEnv(service, port), ...consumerEnv(defaults) };
}

/** The config of a back-end service that consumes its queue. */
export interface ConsumerBackend extends BackendConfig, ConsumerConfig {}

/** The config fields read from `consumerBackendEnv()`'s variables and the service's own queue URL variable. */
export function consumerBackendSettings(
  e: Parameters<typeof backendSettings>[0] & Parameters<typeof consumerSettings>[0],
  queueUrl: string | undefined,
): ConsumerBackend {
  return { ...backendSettings(e), ...consumerSettings(e, queueUrl) };
}
