import { calendarObjectKey, type DomainEvent } from "@taskoverflow/contracts";
import type { HandlerOutcome, MessageContext } from "@taskoverflow/messaging";
import type { FinishedCalendars } from "./finished-calendars.ts";
import { evolve, JOB_EVENT_TYPES, type JobEvent } from "./job.projection.ts";
import type { JobStore } from "./job.repository.ts";

export const CONSUMER = "job-status";

const isJobEvent = (event: DomainEvent): event is JobEvent =>
  (JOB_EVENT_TYPES as readonly string[]).includes(event.type);

/** Who may say what about a job: todo requests it, calendar reports on it. Anyone else is dropped. */
export const PRODUCERS: Record<JobEvent["type"], string> = {
  CalendarRequested: "todo",
  CalendarStarted: "calendar",
  CalendarReady: "calendar",
  CalendarFailed: "calendar",
};

/**
 * Why an event is not believed, or undefined. A CalendarReady must name the configured bucket and this job's
 * own key: otherwise one job could be answered with another job's calendar (or any object the service can read).
 */
export function distrust(event: JobEvent, calendarBucket: string): string | undefined {
  if (event.producer !== PRODUCERS[event.type]) return `unknown producer for ${event.type}`;
  if (event.type === "CalendarReady") {
    if (event.payload.bucket !== calendarBucket) return "CalendarReady names another bucket";
    if (event.payload.key !== calendarObjectKey(event.payload.jobId))
      return "CalendarReady names another job's key";
  }
  return undefined;
}

/**
 * Applies job events to the jobs table, each once, in one statement per event (`JobRepository.applyOnce`: the
 * inbox claim and `evolve` as an upsert merge, so concurrent events of one job serialise on its row).
 */
export function createJobHandler({
  db,
  jobs,
  clock,
  calendarBucket,
  onChanged = () => {},
  finished,
}: JobStore & {
  /** The bucket calendars are stored in (CALENDAR_BUCKET). */
  calendarBucket: string;
  /** Where the file of a job that just finished is kept for its download. */
  finished?: FinishedCalendars | undefined;
}) {
  return async function handle(event: DomainEvent, { log }: MessageContext): Promise<HandlerOutcome> {
    if (!isJobEvent(event)) {
      log.debug({ type: event.type }, "ignored event");
      return "done";
    }
    const jobId = event.payload.jobId;
    const refused = distrust(event, calendarBucket);
    if (refused !== undefined) {
      // Logged with ids, never applied, not retried (it would be refused again).
      log.warn({ jobId, producer: event.producer, reason: refused }, "event dropped: not trusted");
      return "done";
    }
    // Read while the event is applied: the client that waits for SUCCESS asks for the file next.
    const file = event.type === "CalendarReady" ? finished?.fetch(event.payload) : undefined;
    const applied = await jobs.applyOnce(
      db,
      { consumer: CONSUMER, eventId: event.id },
      evolve(undefined, event),
      clock.now(),
    );
    if (applied.outcome === "duplicate") return "done";
    log.info({ jobId, type: event.type }, "job event applied");
    if (!applied.written) log.debug({ jobId }, "late or repeated event ignored");
    // Kept only when this event made the job SUCCESS (a late Ready after a FAILURE changes nothing).
    if (file && applied.statusChanged && event.type === "CalendarReady")
      finished?.remember(jobId, event.payload, file);
    if (applied.statusChanged) onChanged([jobId]);
    return "done";
  };
}
