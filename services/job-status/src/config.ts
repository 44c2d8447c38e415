import { type ConsumerBackend, consumerBackendEnv, consumerBackendSettings } from "@taskoverflow/messaging";
import { env, parseEnv } from "@taskoverflow/platform";
import { z } from "zod";

/** A job that hears nothing for this long ends as FAILURE (the one place this default is written). */
export const defaultJobTimeoutSeconds = 600;

/** Comment lines (`: ping`) on an idle event stream this often, so proxies and clients see it alive. */
export const defaultEventsHeartbeatMs = 15_000;
/** An event stream re-reads its job this often when no notification came (one may be lost). */
export const defaultEventsPollMs = 1_000;

/** The longest a status request with `Prefer: wait` is held: well below the gateway's UPSTREAM_TIMEOUT_MS (10 s). */
export const defaultStatusWaitMaxMs = 5_000;

/**
 * How long a request about an id with no job row yet waits for the job's first event before asking the todo
 * service: the 202 that hands a client its id usually reaches it a few ms before that event reaches us.
 */
export const defaultUnheardWaitMs = 50;

/**
 * CONSUMER_GATHER_MS's default here: no wait after a partial receive. Every message on this queue is a job's step
 * with a client waiting for it (CalendarStarted and CalendarReady come together, then the next job's request), and
 * job events are few, so gathering saved little and held the next job back by up to 20 ms (docs/architecture.md §5b).
 */
export const defaultJobStatusGatherMs = 0;

/** The job-status service's environment: keys are the variable names. Defaults run the embedded mode. */
export const jobStatusEnvSchema = z.object({
  ...consumerBackendEnv("job-status", 6403, { gatherMs: defaultJobStatusGatherMs }),
  JOB_STATUS_QUEUE_URL: env.optionalUrl(),
  /** Asked whether an id we have not heard of yet was issued (GET /internal/v1/calendar-requests/:id). */
  TODO_SERVICE_URL: env.url("http://127.0.0.1:6401"),
  /** A job that hears nothing for this long ends as FAILURE (its message may have ended in a dead-letter queue). */
  JOB_TIMEOUT_SECONDS: env.positiveInt(defaultJobTimeoutSeconds),
  /** The public address clients use (the gateway's); result_url is built on it. */
  PUBLIC_URL: env.optionalUrl(),
  /** The bucket the calendar service stores calendars in: a CalendarReady naming another is refused. */
  CALENDAR_BUCKET: z.string().trim().min(1).default("taskoverflow-calendars"),
  /** Heartbeat of `GET /todos/ical/:id/events` (a `: ping` comment), in milliseconds. */
  EVENTS_HEARTBEAT_MS: env.positiveInt(defaultEventsHeartbeatMs),
  /** Fallback re-read of a streamed job when no NOTIFY arrived, in milliseconds. */
  EVENTS_POLL_MS: env.positiveInt(defaultEventsPollMs),
  /** The longest `GET .../status` with `Prefer: wait=N` is held before it answers the unchanged state, in ms. */
  STATUS_WAIT_MAX_MS: env.positiveInt(defaultStatusWaitMaxMs),
  /** How long a status request for an id not heard of yet waits for its first event before asking TODO_SERVICE_URL. */
  UNHEARD_WAIT_MS: env.positiveInt(defaultUnheardWaitMs),
});

export type JobStatusEnv = z.infer<typeof jobStatusEnvSchema>;

export interface JobStatusConfig extends ConsumerBackend {
  todoServiceUrl: string;
  /** A job silent for longer ends as FAILURE; `defaultJobTimeoutSeconds` when absent. */
  jobTimeoutSeconds?: number;
  /** Unset: links name the request's host only when it is a local one (see publicOrigin). */
  publicUrl?: string | undefined;
  /** Where CalendarReady must point (the calendar service's CALENDAR_BUCKET). */
  calendarBucket?: string;
  /** Event streams: heartbeat and fallback poll (`defaultEventsHeartbeatMs`, `defaultEventsPollMs` when absent). */
  events?: { heartbeatMs: number; pollMs: number };
  /** The longest a `Prefer: wait` status request is held; `defaultStatusWaitMaxMs` when absent. */
  statusWaitMaxMs?: number;
  /** How long a request about an unheard-of id waits for its first event; `defaultUnheardWaitMs` when absent. */
  unheardWaitMs?: number;
}

/** Reads and validates the environment once; a wrong value throws a ConfigError naming the variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): JobStatusConfig {
  const e = parseEnv(jobStatusEnvSchema, source);
  return {
    ...consumerBackendSettings(e, e.JOB_STATUS_QUEUE_URL),
    todoServiceUrl: e.TODO_SERVICE_URL,
    jobTimeoutSeconds: e.JOB_TIMEOUT_SECONDS,
    publicUrl: e.PUBLIC_URL,
    calendarBucket: e.CALENDAR_BUCKET,
    events: { heartbeatMs: e.EVENTS_HEARTBEAT_MS, pollMs: e.EVENTS_POLL_MS },
    statusWaitMaxMs: e.STATUS_WAIT_MAX_MS,
    unheardWaitMs: e.UNHEARD_WAIT_MS,
  };
}
