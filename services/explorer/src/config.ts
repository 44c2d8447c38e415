import { type ConsumerBackend, consumerBackendEnv, consumerBackendSettings } from "@taskoverflow/messaging";
import { env, parseEnv } from "@taskoverflow/platform";
import { z } from "zod";

/** The explorer's environment: keys are the variable names. Defaults run the embedded mode (npm start). */
export const explorerEnvSchema = z.object({
  // TOPOLOGY_PREFIX also names every queue the explorer shows (found by name); CONSUMER_CONCURRENCY.
  ...consumerBackendEnv("explorer", 6404),
  /** Its own queue (subscribed with no filter policy); unset: converged with ensureTopology at start. */
  EXPLORER_QUEUE_URL: env.optionalUrl(),
  /** When set, every /api/v1/explorer request needs `Authorization: Bearer <token>` (401 otherwise). */
  EXPLORER_TOKEN: z
    .string()
    .trim()
    .transform((v) => (v === "" ? undefined : v))
    .pipe(z.string().min(16, "EXPLORER_TOKEN must be at least 16 characters").optional())
    .optional(),
  /** Events older than this are removed by the sweep. */
  EXPLORER_RETENTION_HOURS: env.positiveInt(24),
  /** At most this many events are kept; the sweep removes the oldest beyond it. */
  EXPLORER_RETENTION_MAX_EVENTS: env.positiveInt(100_000),
  EXPLORER_SWEEP_INTERVAL_SECONDS: env.positiveInt(60),
  /** How many bytes of an event's payload (its JSON) are kept as its summary. */
  EXPLORER_SUMMARY_BYTES: env.positiveInt(512),
  /** Redrive through SQS's StartMessageMoveTask when the endpoint has it (auto), or always by receive/send/delete. */
  EXPLORER_REDRIVE_MODE: z.enum(["auto", "copy"]).default("auto"),
});

export type ExplorerEnv = z.infer<typeof explorerEnvSchema>;

export interface ExplorerConfig extends ConsumerBackend {
  /** Unset: the explorer API is open (npm start, on localhost). */
  token?: string | undefined;
  retention: { maxAgeMs: number; maxEvents: number; sweepIntervalMs: number };
  summaryBytes: number;
  redriveMode: ExplorerEnv["EXPLORER_REDRIVE_MODE"];
}

/** Reads and validates the environment once; a wrong value throws a ConfigError naming the variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): ExplorerConfig {
  const e = parseEnv(explorerEnvSchema, source);
  return {
    ...consumerBackendSettings(e, e.EXPLORER_QUEUE_URL),
    token: e.EXPLORER_TOKEN,
    retention: {
      maxAgeMs: e.EXPLORER_RETENTION_HOURS * 3_600_000,
      maxEvents: e.EXPLORER_RETENTION_MAX_EVENTS,
      sweepIntervalMs: e.EXPLORER_SWEEP_INTERVAL_SECONDS * 1000,
    },
    summaryBytes: e.EXPLORER_SUMMARY_BYTES,
    redriveMode: e.EXPLORER_REDRIVE_MODE,
  };
}
