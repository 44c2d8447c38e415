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

/** A consumer's variables besides its queue's URL: the topology prefix and how many messages it handles at once. */
export function consumerEnv() {
  return { ...topologyEnv(), CONSUMER_CONCURRENCY: env.positiveInt(10) };
}

/** The config of a service that consumes its queue of the topology. */
export interface ConsumerConfig {
  topologyPrefix: string;
  /** The queue; when absent it is resolved by name from the topology. */
  queueUrl?: string | undefined;
  concurrency: number;
}

/** The config fields read from `consumerEnv()`'s variables and the service's own queue URL variable. */
export function consumerSettings(
  e: { TOPOLOGY_PREFIX: string; CONSUMER_CONCURRENCY: number },
  queueUrl: string | undefined,
): ConsumerConfig {
  return { topologyPrefix: e.TOPOLOGY_PREFIX, queueUrl, concurrency: e.CONSUMER_CONCURRENCY };
}

/**
 * A back-end service that consumes its queue of the topology (calendar, job-status, explorer): `backendEnv`
 * (PORT, HOST, LOG_LEVEL, database, AWS) and `consumerEnv()` in one; spread into its schema beside its queue's
 * URL variable.
 */
export function consumerBackendEnv(service: string, port: number) {
  return { ...backendEnv(service, port), ...consumerEnv() };
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
