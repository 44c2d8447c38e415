import type { DomainEvent } from "@taskoverflow/contracts";
import { type HandlerOutcome, type MessageContext, processOnce } from "@taskoverflow/messaging";
import { evolve, JOB_EVENT_TYPES, type JobEvent } from "./job.projection.ts";
import type { JobDb, JobRepository } from "./job.repository.ts";

export const CONSUMER = "job-status";

const isJobEvent = (event: DomainEvent): event is JobEvent =>
  (JOB_EVENT_TYPES as readonly string[]).includes(event.type);

/** Applies job events to the jobs table, each once, serialised per job by a row lock. */
export function createJobHandler({
  db,
  jobs,
  clock,
}: {
  db: JobDb;
  jobs: JobRepository;
  clock: { now(): Date };
}) {
  return async function handle(event: DomainEvent, { log }: MessageContext): Promise<HandlerOutcome> {
    if (!isJobEvent(event)) {
      log.debug({ type: event.type }, "ignored event");
      return "done";
    }
    const jobId = event.payload.jobId;
    const outcome = await processOnce(db, { consumer: CONSUMER, eventId: event.id }, async (trx) => {
      const current = await jobs.lock(trx, jobId);
      const next = evolve(current, event);
      if (next !== current) await jobs.save(trx, next, clock.now());
      if (current && next === current)
        log.debug({ jobId, status: current.status }, "late or repeated event ignored");
    });
    if (outcome === "processed") log.info({ jobId, type: event.type }, "job event applied");
    return "done";
  };
}
