import { createEvent, type DomainEvent, type EventOf, type TodoEvent } from "@taskoverflow/contracts";
import { enqueueEvent, type HandlerOutcome, type MessageContext, processOnce } from "@taskoverflow/messaging";
import type { Logger } from "@taskoverflow/platform";
import { hasApplied, hasCaughtUpTo, markApplied } from "../todos/projection.progress.ts";
import { evolve } from "../todos/todo.projection.ts";
import type { CalendarDb, ProgressRow, TodoProjectionRepository } from "../todos/todo.repository.ts";
import type { TodoSnapshotSource } from "../todos/todo.snapshot.ts";
import { type BuiltCalendar, buildCalendar } from "./calendar.builder.ts";
import { selectTodos } from "./calendar.filter.ts";
import type { ObjectStore } from "./object-store.ts";

export const CONSUMER = "calendar";
const STARTED_CONSUMER = "calendar:started";
export const PRODUCER = "calendar";
export const CONTENT_TYPE = "text/calendar; charset=utf-8";

export interface CalendarHandlerDeps {
  db: CalendarDb;
  todos: TodoProjectionRepository;
  snapshots: TodoSnapshotSource;
  store: ObjectStore;
  clock: { now(): Date };
  newId?: () => string;
  /** UID domain. */
  calendarHost: string;
  /** The producer whose sequences the projection follows. */
  todoProducer?: string;
  /** Called after a transaction that enqueued events committed (wakes the outbox relay). */
  onCommitted: () => void;
  catchUpWaitMs: number;
  resyncAfterReceives: number;
  pollMs?: number;
  log: Logger;
}

export const calendarKey = (jobId: string) => `calendars/${jobId}.ics`;

type CalendarRequested = EventOf<"CalendarRequested">;

/** A failure that retrying cannot fix: the job fails at once. */
class PermanentFailure extends Error {
  override readonly name = "PermanentFailure";
}

/**
 * The calendar service's message handling: todo events keep the projection; a CalendarRequested waits
 * until the projection has every todo change committed before it (its `sequence`), then builds the
 * calendar, writes it to the object store and emits CalendarReady through the outbox.
 */
export function createCalendarHandler(deps: CalendarHandlerDeps) {
  const { db, todos, snapshots, store, clock, log, onCommitted } = deps;
  const todoProducer = deps.todoProducer ?? "todo";
  const pollMs = deps.pollMs ?? 50;
  const ctx = (correlationId: string) => ({
    correlationId,
    producer: PRODUCER,
    now: () => clock.now(),
    ...(deps.newId && { newId: deps.newId }),
  });

  async function applyTodoEvent(event: TodoEvent): Promise<void> {
    const sequence = event.producer === todoProducer ? event.sequence : undefined;
    await processOnce(db, { consumer: CONSUMER, eventId: event.id }, async (trx) => {
      const progress = await todos.progress(trx, true);
      // Already in the projection through a snapshot taken after it.
      if (sequence !== undefined && hasApplied(progress, sequence)) return;
      const current = await todos.find(trx, event.payload.todo.id);
      const next = evolve(current, event);
      if (next !== undefined && next !== current) await todos.save(trx, next, sequence ?? 0);
      if (sequence !== undefined) await todos.saveProgress(trx, markApplied(progress, sequence));
    });
  }

  /** Re-reads the todo service's snapshot into the projection. */
  async function resync(reason: string): Promise<ProgressRow> {
    const started = performance.now();
    const snapshot = await snapshots.fetch();
    const progress = await db.transaction().execute((trx) => todos.mergeSnapshot(trx, snapshot, clock.now()));
    log.info(
      {
        reason,
        sequence: snapshot.sequence,
        todos: snapshot.todos.length,
        ms: Math.round(performance.now() - started),
      },
      "projection synchronised from the todo service's snapshot",
    );
    return progress;
  }

  /** Records the request's own place in the todo stream (it is a todo-service event too). */
  async function markRequestSeen(sequence: number): Promise<ProgressRow> {
    return db.transaction().execute(async (trx) => {
      const progress = await todos.progress(trx, true);
      const next = markApplied(progress, sequence);
      if (next !== progress) await todos.saveProgress(trx, next);
      return { ...next, initialised: progress.initialised };
    });
  }

  async function waitForCatchUp(sequence: number, budgetMs: number): Promise<boolean> {
    const deadline = Date.now() + budgetMs;
    for (;;) {
      if (hasCaughtUpTo(await todos.progress(db), sequence)) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  async function emitOnce(consumer: string, event: DomainEvent, sourceEventId: string): Promise<void> {
    const outcome = await processOnce(db, { consumer, eventId: sourceEventId }, async (trx) => {
      await enqueueEvent(trx, event);
    });
    if (outcome === "processed") onCommitted();
  }

  async function alreadyDone(eventId: string): Promise<boolean> {
    const row = await db
      .selectFrom("processed_events")
      .select("event_id")
      .where("consumer", "=", CONSUMER)
      .where("event_id", "=", eventId)
      .executeTakeFirst();
    return row !== undefined;
  }

  async function fail(event: CalendarRequested, reason: string): Promise<void> {
    const failed = createEvent(
      "CalendarFailed",
      { jobId: event.payload.jobId, reason },
      ctx(event.correlationId),
    );
    await emitOnce(CONSUMER, failed, event.id);
  }

  async function handleRequest(event: CalendarRequested, { log: mlog, receiveCount }: MessageContext) {
    if (await alreadyDone(event.id)) return "done" as const;
    const { jobId, filters, requestedAt } = event.payload;
    const sequence = event.producer === todoProducer ? event.sequence : undefined;
    if (sequence === undefined)
      mlog.warn({ jobId }, "CalendarRequested without a todo sequence: built from what we have");

    let progress = sequence === undefined ? await todos.progress(db) : await markRequestSeen(sequence);
    if (!progress.initialised) progress = await resync("first start: the projection was never initialised");
    if (sequence !== undefined && !hasCaughtUpTo(progress, sequence)) {
      const caughtUp = await waitForCatchUp(sequence, deps.catchUpWaitMs);
      if (!caughtUp) {
        if (receiveCount < deps.resyncAfterReceives) {
          mlog.info(
            { jobId, sequence, watermark: (await todos.progress(db)).watermark },
            "waiting for earlier todo changes",
          );
          return "retryLater" as const;
        }
        // Earlier events are late or lost (dead-lettered): the snapshot has them all.
        await resync(`request ${jobId} still waiting for sequence ${sequence - 1}`);
      }
    }

    await emitOnce(
      STARTED_CONSUMER,
      createEvent("CalendarStarted", { jobId }, ctx(event.correlationId)),
      event.id,
    );

    const started = performance.now();
    let built: BuiltCalendar;
    try {
      const selected = selectTodos(await todos.active(db), filters, new Date(requestedAt));
      built = buildCalendar(selected, { host: deps.calendarHost, stamp: clock.now() });
    } catch (err) {
      throw new PermanentFailure("The calendar could not be built.", { cause: err });
    }
    const buildMs = Math.round(performance.now() - started);
    const key = calendarKey(jobId);
    // Transient storage errors throw: the consumer retries, and its last attempt reports the failure.
    const stored = await store.put(key, built.body, CONTENT_TYPE);
    const ready = createEvent(
      "CalendarReady",
      {
        jobId,
        bucket: store.bucket,
        key,
        size: stored.size,
        sha256: stored.sha256,
        eventCount: built.eventCount,
      },
      ctx(event.correlationId),
    );
    await emitOnce(CONSUMER, ready, event.id);
    mlog.info({ jobId, key, size: stored.size, eventCount: built.eventCount, buildMs }, "calendar ready");
    return "done" as const;
  }

  return {
    async handle(event: DomainEvent, context: MessageContext): Promise<HandlerOutcome> {
      switch (event.type) {
        case "TodoCreated":
        case "TodoUpdated":
        case "TodoDeleted":
          await applyTodoEvent(event);
          return "done";
        case "CalendarRequested":
          try {
            return await handleRequest(event, context);
          } catch (err) {
            if (!(err instanceof PermanentFailure)) throw err;
            context.log.error({ err, jobId: event.payload.jobId }, "calendar job failed");
            await fail(event, err.message);
            return "done";
          }
        default:
          // Not ours (the queue's filter policy should not deliver it): acknowledge and move on.
          context.log.debug({ type: event.type }, "ignored event");
          return "done";
      }
    },

    /** The consumer's last attempt failed: the job must end as FAILURE rather than PENDING forever. */
    async onExhausted(event: DomainEvent, error: unknown): Promise<void> {
      if (event.type !== "CalendarRequested") {
        log.error(
          { eventId: event.id, type: event.type, err: error },
          "event dead-lettered; a later resync covers it",
        );
        return;
      }
      await fail(event, "The calendar could not be produced; please try again.");
    },

    /** First start: seeds the projection from the todo service if it never was. */
    async initialise(): Promise<void> {
      if (!(await todos.progress(db)).initialised) await resync("first start");
    },
  };
}

export type CalendarHandler = ReturnType<typeof createCalendarHandler>;
