import { assertNever, type EventOf } from "@taskoverflow/contracts";

export type JobEvent = EventOf<"CalendarRequested" | "CalendarStarted" | "CalendarReady" | "CalendarFailed">;

export const JOB_EVENT_TYPES = [
  "CalendarRequested",
  "CalendarStarted",
  "CalendarReady",
  "CalendarFailed",
] as const satisfies readonly JobEvent["type"][];

export type JobStatus = "PENDING" | "STARTED" | "SUCCESS" | "FAILURE";

export interface CalendarObject {
  bucket: string;
  key: string;
  size: number;
  sha256: string;
  eventCount: number;
}

/** A calendar job as job-status knows it. */
export interface Job {
  id: string;
  status: JobStatus;
  /** When the job was requested; unknown until CalendarRequested arrives (it may come late). */
  requestedAt: string | null;
  /** Set on SUCCESS. */
  result: CalendarObject | null;
  /** Set on FAILURE. */
  error: string | null;
  /** occurredAt of the latest event applied. */
  lastEventAt: string;
}

/**
 * Statuses only move forward; the two terminal ones share the top rank, so the first terminal event wins. The one
 * definition of the order: the repository's SQL merge is generated from it (`job.repository.ts`, `advances`).
 */
export const rank: Readonly<Record<JobStatus, number>> = { PENDING: 0, STARTED: 1, SUCCESS: 2, FAILURE: 2 };

export const isTerminal = (status: JobStatus) => rank[status] === 2;

/** Whether a job in `status` is further along than one in `than` (undefined: not seen at all). */
export const isLaterThan = (status: JobStatus, than: JobStatus | undefined) =>
  than === undefined || rank[status] > rank[than];

/**
 * The next state of a job after an event. Events may arrive late, twice, or out of order (SQS standard
 * queues): a status never moves backwards and a finished job never changes its outcome. The one thing a
 * late CalendarRequested still adds is `requestedAt`.
 */
export function evolve(current: Job | undefined, event: JobEvent): Job {
  const id = event.payload.jobId;
  const base: Job = current ?? {
    id,
    status: "PENDING",
    requestedAt: null,
    result: null,
    error: null,
    lastEventAt: event.occurredAt,
  };
  const next = (status: JobStatus, fields: Partial<Job> = {}): Job => {
    if (rank[status] <= rank[base.status]) return base;
    return { ...base, ...fields, status, lastEventAt: event.occurredAt };
  };
  switch (event.type) {
    case "CalendarRequested": {
      const requestedAt = base.requestedAt ?? event.payload.requestedAt;
      return { ...base, requestedAt };
    }
    case "CalendarStarted":
      return next("STARTED");
    case "CalendarReady": {
      const { bucket, key, size, sha256, eventCount } = event.payload;
      return next("SUCCESS", { result: { bucket, key, size, sha256, eventCount } });
    }
    case "CalendarFailed":
      return next("FAILURE", { error: event.payload.reason });
    default:
      return assertNever(event);
  }
}
