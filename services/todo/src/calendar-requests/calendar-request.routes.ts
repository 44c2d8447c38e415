import { randomUUID } from "node:crypto";
import { Router } from "@koa/router";
import { createEvent } from "@taskoverflow/contracts";
import { jsonBody, NotFoundError, publicOrigin, type RequestState } from "@taskoverflow/platform";
import type { Kysely } from "kysely";
import { CalendarRequestRepository } from "./calendar-request.repository.ts";
import { parseCalendarFilters } from "./calendar-request.schema.ts";
import type { CalendarRequestDatabase } from "./calendar-request.table.ts";

export interface CalendarRequestDeps<DB extends CalendarRequestDatabase> {
  db: Kysely<DB>;
  clock: { now(): Date };
  newId?: () => string;
  /** The `producer` of the events; must be the one the todo events carry (their sequences are shared). */
  producer?: string;
  /** Called after the transaction committed: wakes the outbox relay so the job starts at once. */
  onCommitted?: () => void;
  /** PUBLIC_URL: the origin of task_url (see publicOrigin). */
  publicUrl?: string | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `POST /api/v1/todos/ical`: records the job and its CalendarRequested event in one statement, so the
 * event's outbox `sequence` is this request's position among todo changes (the calendar waits for it).
 * `GET /internal/v1/calendar-requests/:id`: whether a task id was issued (job-status asks it for ids it
 * has not yet heard of).
 */
export function calendarRequestRoutes<DB extends CalendarRequestDatabase>(
  deps: CalendarRequestDeps<DB>,
): Router<RequestState> {
  // The module's own tables are a subset of the service's; Kysely's database type is invariant.
  const db = deps.db as unknown as Kysely<CalendarRequestDatabase>;
  const { clock, newId = randomUUID, producer = "todo", onCommitted, publicUrl } = deps;
  const requests = new CalendarRequestRepository();
  const router = new Router<RequestState>();
  // The filters may come as JSON or as query parameters: another Content-Type is not an error, just unread.
  const body = jsonBody({ limit: "16kb", requireJson: false });

  router.post("/api/v1/todos/ical", ...body, async (ctx) => {
    const filters = parseCalendarFilters(
      ctx.query,
      ctx.is("application/json") ? ctx.request.body : undefined,
    );
    const now = clock.now();
    const id = newId();
    const { correlationId, log } = ctx.state;
    const event = createEvent(
      "CalendarRequested",
      { jobId: id, filters, requestedAt: now.toISOString() },
      { correlationId, producer, now: () => now, newId },
    );
    await requests.insertWithEvent(db, { id, filters, requestedAt: now, correlationId }, event);
    onCommitted?.();
    log.info({ jobId: id, filters }, "calendar requested");
    ctx.status = 202;
    ctx.body = { task_id: id, task_url: `${publicOrigin(ctx, publicUrl)}/api/v1/todos/ical/${id}/status` };
  });

  router.get("/internal/v1/calendar-requests/:id", async (ctx) => {
    const id = ctx.params.id ?? "";
    const issued = UUID.test(id) ? await requests.find(db, id.toLowerCase()) : undefined;
    if (!issued) throw new NotFoundError("Task not found", "task_not_found");
    ctx.body = issued;
  });

  return router;
}
