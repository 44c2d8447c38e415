import { PassThrough } from "node:stream";
import { Router } from "@koa/router";
import { AppError, NotFoundError, publicOrigin, type RequestState } from "@taskoverflow/platform";
import type Koa from "koa";
import type { CalendarFiles } from "./calendar-files.ts";
import type { FinishedCalendars } from "./finished-calendars.ts";
import type { IssuedJobs } from "./issued-jobs.ts";
import type { JobChanges } from "./job.changes.ts";
import { isLaterThan, isTerminal, type JobStatus } from "./job.projection.ts";
import type { JobDb, JobRepository } from "./job.repository.ts";
import { lastSeenState, runJobStream } from "./job.stream.ts";
import type { JobTimeouts } from "./job.timeout.ts";
import { preferredWaitSeconds, readOrAwaitFirstEvent, readOrWaitForLaterState } from "./job.wait.ts";

export interface JobRouteDeps {
  db: JobDb;
  jobs: JobRepository;
  issued: IssuedJobs;
  files: CalendarFiles;
  /** Files of jobs this instance just saw finish (served without a database read or an S3 GET). */
  finished?: FinishedCalendars | undefined;
  /** What an issued id we never heard of answers (job.timeout.ts). */
  timeouts: Pick<JobTimeouts, "statusOfUnheard">;
  /** PUBLIC_URL: the origin of result_url (see publicOrigin). */
  publicUrl?: string | undefined;
  /** Where event streams hear of changes, and how often they beat and re-read. */
  events: { changes: Pick<JobChanges, "subscribe">; heartbeatMs: number; pollMs: number };
  /** Every open event stream, so stopping the service can end them (a server waits for open answers). */
  streams?: Set<PassThrough>;
  /** The longest a status request with `Prefer: wait` is held (STATUS_WAIT_MAX_MS). */
  statusWaitMaxMs: number;
  /** How long a request about an id with no job row waits for its first event (UNHEARD_WAIT_MS). */
  unheardWaitMs: number;
  /** Aborted when the service stops: held status requests answer at once. */
  stopping?: AbortSignal;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const taskNotFound = () => new NotFoundError("Task not found", "task_not_found");
const taskNotFinished = () => new NotFoundError("Task not finished", "task_not_finished");
/** The job succeeded but its file is gone (the bucket's lifecycle expired it, or the store lost it). */
const calendarGone = () => new AppError(410, "calendar_expired", "Calendar expired");

/** Status and result of calendar jobs, exactly as the API contract shapes them. */
export function jobRoutes({
  db,
  jobs,
  issued,
  files,
  finished,
  timeouts,
  publicUrl,
  events,
  streams = new Set(),
  statusWaitMaxMs,
  unheardWaitMs,
  stopping = new AbortController().signal,
}: JobRouteDeps): Router<RequestState> {
  const router = new Router<RequestState>({ prefix: "/api/v1" });

  /** The task id of a request (lower case), or a 404 for anything that is not one. */
  const taskIdOf = (ctx: Koa.Context) => {
    const id = ctx.params.id ?? "";
    if (!UUID.test(id)) throw taskNotFound();
    return id.toLowerCase();
  };
  /** A job's state: from the projection, else from the todo service (issued: PENDING), else 404. */
  const statusOf = async (taskId: string): Promise<JobStatus> => {
    const status = await readOrAwaitFirstEvent({
      jobId: taskId,
      read: async () => (await jobs.find(db, taskId))?.status,
      changes: events.changes,
      waitMs: unheardWaitMs,
    });
    if (status !== undefined) return status;
    // Still unheard of: the todo service knows whether it issued the id.
    const request = await issued.wasIssued(taskId);
    if (request === undefined) throw taskNotFound();
    // Issued long ago and never heard of: its CalendarRequested is lost to us (dead-lettered).
    return timeouts.statusOfUnheard(taskId, request.requestedAt);
  };
  /** The status endpoint's body; event streams send exactly this. */
  const renderer = (ctx: Koa.Context, taskId: string) => {
    const base = `${publicOrigin(ctx, publicUrl)}/api/v1/todos/ical/${taskId}`;
    return (status: JobStatus) => ({ task_id: taskId, task_status: status, result_url: `${base}/result` });
  };

  router.get("/todos/ical/:id/status", async (ctx) => {
    // A status changes; no cache (the browser's or a proxy's) may answer for us.
    ctx.set("Cache-Control", "no-store");
    // The answer depends on the Prefer header too: a cache keyed on the URL alone would mix them up.
    ctx.set("Vary", "Prefer");
    const taskId = taskIdOf(ctx);
    const seconds = preferredWaitSeconds(ctx.get("prefer") || undefined);
    if (seconds === undefined) {
      ctx.body = renderer(ctx, taskId)(await statusOf(taskId));
      return;
    }
    const waitMs = Math.min(seconds * 1000, statusWaitMaxMs);
    const client = new AbortController();
    const left = () => client.abort();
    ctx.res.once("close", left);
    try {
      const status = await readOrWaitForLaterState({
        jobId: taskId,
        read: () => statusOf(taskId),
        changes: events.changes,
        waitMs,
        pollMs: events.pollMs,
        signal: AbortSignal.any([client.signal, stopping]),
        log: ctx.state.log,
      });
      ctx.set("Preference-Applied", `wait=${Math.ceil(waitMs / 1000)}`);
      // Answered because the service stops: the connection must not keep the server's close waiting.
      if (stopping.aborted) ctx.set("Connection", "close");
      ctx.body = renderer(ctx, taskId)(status);
    } finally {
      ctx.res.off("close", left);
    }
  });

  router.get("/todos/ical/:id/events", async (ctx) => {
    ctx.set("Cache-Control", "no-store");
    const taskId = taskIdOf(ctx);
    // Read before answering: an unknown id is a JSON 404 (and an unreachable todo service a 503), not a stream.
    const first = await statusOf(taskId);
    const lastSeen = lastSeenState(ctx.get("last-event-id") || undefined);
    if (lastSeen !== undefined && isTerminal(lastSeen) && !isLaterThan(first, lastSeen)) {
      // The client has the final state already: 204 is what tells an EventSource to stop reconnecting.
      ctx.status = 204;
      return;
    }
    const body = new PassThrough();
    streams.add(body);
    body.once("close", () => streams.delete(body));
    ctx.req.socket.setNoDelay(true);
    ctx.req.socket.setTimeout(0);
    ctx.status = 200;
    ctx.type = "text/event-stream; charset=utf-8";
    // Tells a buffering reverse proxy (nginx) to pass each event on at once.
    ctx.set("X-Accel-Buffering", "no");
    ctx.body = body;
    const log = ctx.state.log;
    runJobStream({
      jobId: taskId,
      first,
      lastSeen,
      read: () => statusOf(taskId),
      render: renderer(ctx, taskId),
      changes: events.changes,
      heartbeatMs: events.heartbeatMs,
      pollMs: events.pollMs,
      sink: {
        write: (text) => body.write(text),
        end: () => body.end(),
        onClose: (listener) => body.once("close", listener),
      },
      log,
    });
  });

  router.get("/todos/ical/:id/result", async (ctx) => {
    ctx.set("Cache-Control", "no-store");
    const id = ctx.params.id ?? "";
    const jobId = UUID.test(id) ? id.toLowerCase() : undefined;
    const kept = jobId === undefined ? undefined : await finished?.get(jobId);
    if (kept !== undefined) {
      sendCalendar(ctx, jobId as string, kept.body);
      return;
    }
    const job = jobId === undefined ? undefined : await jobs.find(db, jobId);
    if (job?.status !== "SUCCESS" || job.result === null) throw taskNotFinished();
    const file = await files.open(job.result.bucket, job.result.key);
    if (file === undefined) {
      ctx.state.log.warn({ jobId: job.id, key: job.result.key }, "calendar of a finished job is gone: 410");
      throw calendarGone();
    }
    sendCalendar(ctx, job.id, file.body, file.size);
  });

  return router;
}

function sendCalendar(ctx: Koa.Context, jobId: string, body: Koa.Context["body"], size?: number): void {
  ctx.status = 200;
  ctx.type = "text/calendar; charset=utf-8";
  ctx.set("Content-Disposition", `attachment; filename="taskoverflow-${jobId}.ics"`);
  if (size !== undefined) ctx.length = size;
  ctx.body = body;
}
