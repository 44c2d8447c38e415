import { Router } from "@koa/router";
import { AppError, NotFoundError, publicOrigin, type RequestState } from "@taskoverflow/platform";
import type { CalendarFiles } from "./calendar-files.ts";
import type { IssuedJobs } from "./issued-jobs.ts";
import type { JobStatus } from "./job.projection.ts";
import type { JobDb, JobRepository } from "./job.repository.ts";
import type { JobTimeouts } from "./job.timeout.ts";

export interface JobRouteDeps {
  db: JobDb;
  jobs: JobRepository;
  issued: IssuedJobs;
  files: CalendarFiles;
  /** What an issued id we never heard of answers (job.timeout.ts). */
  timeouts: Pick<JobTimeouts, "statusOfUnheard">;
  /** PUBLIC_URL: the origin of result_url (see publicOrigin). */
  publicUrl?: string | undefined;
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
  timeouts,
  publicUrl,
}: JobRouteDeps): Router<RequestState> {
  const router = new Router<RequestState>({ prefix: "/api/v1" });

  router.get("/todos/ical/:id/status", async (ctx) => {
    // A status changes; no cache (the browser's or a proxy's) may answer for us.
    ctx.set("Cache-Control", "no-store");
    const id = ctx.params.id ?? "";
    if (!UUID.test(id)) throw taskNotFound();
    const taskId = id.toLowerCase();
    let status: JobStatus | undefined = (await jobs.find(db, taskId))?.status;
    // The 202 can reach the client before our consumer hears of the job: the todo service knows.
    if (status === undefined) {
      const request = await issued.wasIssued(taskId);
      if (request === undefined) throw taskNotFound();
      // Issued long ago and never heard of: its CalendarRequested is lost to us (dead-lettered).
      status = await timeouts.statusOfUnheard(taskId, request.requestedAt);
    }
    const base = `${publicOrigin(ctx, publicUrl)}/api/v1/todos/ical/${taskId}`;
    ctx.body = { task_id: taskId, task_status: status, result_url: `${base}/result` };
  });

  router.get("/todos/ical/:id/result", async (ctx) => {
    ctx.set("Cache-Control", "no-store");
    const id = ctx.params.id ?? "";
    const job = UUID.test(id) ? await jobs.find(db, id.toLowerCase()) : undefined;
    if (job?.status !== "SUCCESS" || job.result === null) throw taskNotFinished();
    const file = await files.open(job.result.bucket, job.result.key);
    if (file === undefined) {
      ctx.state.log.warn({ jobId: job.id, key: job.result.key }, "calendar of a finished job is gone: 410");
      throw calendarGone();
    }
    ctx.status = 200;
    ctx.type = "text/calendar; charset=utf-8";
    ctx.set("Content-Disposition", `attachment; filename="taskoverflow-${job.id}.ics"`);
    if (file.size !== undefined) ctx.length = file.size;
    ctx.body = file.body;
  });

  return router;
}
