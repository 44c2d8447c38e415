import { type ConsumerBackend, consumerBackendEnv, consumerBackendSettings } from "@taskoverflow/messaging";
import { env, parseEnv } from "@taskoverflow/platform";
import { z } from "zod";

/** The calendar service's environment: keys are the variable names. Defaults run the embedded mode. */
export const calendarEnvSchema = z.object({
  ...consumerBackendEnv("calendar", 6402),
  CALENDAR_BUCKET: env.string("taskoverflow-calendars"),
  TOPIC_ARN: z.string().optional(),
  CALENDAR_QUEUE_URL: env.optionalUrl(),
  TODO_SERVICE_URL: env.url("http://127.0.0.1:6401"),
  /** Domain of the calendar's UIDs (todo-<id>@<host>). */
  CALENDAR_HOST: env.string("taskoverflow.local"),
  /** How long a calendar request waits in-process for earlier todo changes before it is retried later. */
  CATCH_UP_WAIT_MS: env.positiveInt(5_000),
  /** From this delivery on, a request still waiting re-reads the todo service's snapshot instead. */
  RESYNC_AFTER_RECEIVES: env.positiveInt(2),
  /**
   * Calendar jobs that build at once in one process (their memory: a 100,000-todo job peaks at ~380 MiB; two fit
   * the deployed task's 512 MiB). Requests beyond it wait in process, holding no consumer slot.
   */
  CALENDAR_JOBS_AT_ONCE: env.positiveInt(2),
  /** The feed's REFRESH-INTERVAL and X-PUBLISHED-TTL: how often subscribed calendar apps should come back. */
  FEED_REFRESH_SECONDS: env.positiveInt(300),
});

export type CalendarEnv = z.infer<typeof calendarEnvSchema>;

export interface CalendarConfig extends ConsumerBackend {
  bucket: string;
  topicArn?: string | undefined;
  todoServiceUrl: string;
  calendarHost: string;
  catchUpWaitMs: number;
  resyncAfterReceives: number;
  jobsAtOnce: number;
  feedRefreshSeconds: number;
}

/** Reads and validates the environment once; a wrong value throws a ConfigError naming the variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): CalendarConfig {
  const e = parseEnv(calendarEnvSchema, source);
  return {
    ...consumerBackendSettings(e, e.CALENDAR_QUEUE_URL),
    bucket: e.CALENDAR_BUCKET,
    topicArn: e.TOPIC_ARN || undefined,
    todoServiceUrl: e.TODO_SERVICE_URL,
    calendarHost: e.CALENDAR_HOST,
    catchUpWaitMs: e.CATCH_UP_WAIT_MS,
    resyncAfterReceives: e.RESYNC_AFTER_RECEIVES,
    jobsAtOnce: e.CALENDAR_JOBS_AT_ONCE,
    feedRefreshSeconds: e.FEED_REFRESH_SECONDS,
  };
}
