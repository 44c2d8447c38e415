import { calendarObjectKey, type DomainEvent } from "@taskoverflow/contracts";
import { createBatcher, type HandlerOutcome, type MessageContext } from "@taskoverflow/messaging";
import type { FinishedCalendars } from "./finished-calendars.ts";
import { evolve, JOB_EVENT_TYPES, type Job, type JobEvent, type JobStatus } from "./job.projection.ts";
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
 * `evolve` folded over one job's events in this order, and the event that set the job's status (the last one
 * that moved it, or the first, which made it): the event whose occurredAt the job carries as lastEventAt.
 */
export function foldJob(events: readonly [JobEvent, ...JobEvent[]]): { job: Job; setter: JobEvent } {
  let job: Job | undefined;
  let setter = events[0];
  for (const event of events) {
    const next = evolve(job, event);
    if (job === undefined || next.status !== job.status) setter = event;
    job = next;
  }
  return { job: job as Job, setter };
}

/** What applying one delivery did; `sets` marks the one delivery whose event set the job's new status. */
type DeliveryApplied =
  | { outcome: "duplicate" }
  | {
      outcome: "processed";
      statusChanged: boolean;
      sets: boolean;
      status: JobStatus | undefined;
    };

/**
 * Applies job events to the jobs table, each once. The events that arrive in one receive are applied per job in
 * ONE statement (`JobRepository.applyOnce`: the inbox claims and `evolve` folded over them, merged as an upsert):
 * a fast job's CalendarStarted and CalendarReady come in one PublishBatch, and apart they were two statements
 * serialised on the job's row and two wakes (a client holding `Prefer: wait` was answered STARTED, then asked
 * again). Concurrent statements of one job serialise on its row.
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
  /** One job's deliveries of this turn: the first delivery of each event id is applied, the rest are duplicates. */
  async function applyJob(deliveries: readonly { event: JobEvent; index: number }[]) {
    const first = new Map<string, { event: JobEvent; index: number }>();
    for (const d of deliveries) if (!first.has(d.event.id)) first.set(d.event.id, d);
    const events = [...first.values()].map((d) => d.event) as [JobEvent, ...JobEvent[]];
    const { job, setter } = foldJob(events);
    const entries = events.map((e) => ({ consumer: CONSUMER, eventId: e.id }));
    const applied = await jobs.applyOnce(db, entries, job, clock.now());
    return deliveries.map(({ event, index }): [number, DeliveryApplied] => {
      const isFirst = first.get(event.id)?.index === index;
      if (!isFirst || !applied.processed.has(event.id)) return [index, { outcome: "duplicate" }];
      const { statusChanged, status } = applied;
      return [index, { outcome: "processed", statusChanged, status, sets: event.id === setter.id }];
    });
  }

  // The SQS consumer dispatches one receive's messages in one turn: they arrive here together.
  const apply = createBatcher<JobEvent, DeliveryApplied>({
    run: async (events) => {
      const byJob = new Map<string, { event: JobEvent; index: number }[]>();
      for (const [index, event] of events.entries()) {
        const group = byJob.get(event.payload.jobId) ?? [];
        group.push({ event, index });
        byJob.set(event.payload.jobId, group);
      }
      const answers = new Array<DeliveryApplied>(events.length);
      for (const applied of await Promise.all([...byJob.values()].map(applyJob)))
        for (const [index, answer] of applied) answers[index] = answer;
      return answers;
    },
  });

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
    const applied = await apply(event);
    if (applied.outcome === "duplicate") return "done";
    log.info({ jobId, type: event.type }, "job event applied");
    if (applied.status === undefined) log.debug({ jobId }, "late or repeated event ignored");
    // Told once, by the delivery whose event set the new status (its file is kept only when that event made the
    // job SUCCESS: a late Ready after a FAILURE changes nothing).
    if (!applied.statusChanged || !applied.sets) return "done";
    // With the status the statement committed: a waiting client is answered without reading it back.
    onChanged([jobId], applied.status);
    // After the wake: the waiting client's answer is not held behind the file's S3 GET (finished-calendars.ts).
    if (event.type === "CalendarReady") finished?.remember(jobId, event.payload);
    return "done";
  };
}
