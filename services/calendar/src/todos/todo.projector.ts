import type { TodoEvent } from "@taskoverflow/contracts";
import type { Logger } from "@taskoverflow/platform";
import { evolve } from "./todo.projection.ts";
import type { CalendarDb, ProgressRow, TodoProjectionRepository } from "./todo.repository.ts";
import type { TodoSnapshotSource } from "./todo.snapshot.ts";

export const PROJECTION_CONSUMER = "calendar";

export interface TodoProjectorDeps {
  db: CalendarDb;
  todos: TodoProjectionRepository;
  snapshots: TodoSnapshotSource;
  clock: { now(): Date };
  log: Logger;
  /** The producer whose sequences the projection follows. Default "todo". */
  todoProducer?: string;
}

/**
 * Keeps the calendar's copy of the todos: applies todo events (each in one statement of its own, no shared
 * row), re-reads the todo service's snapshot when asked, and answers how far it has caught up.
 */
export function createTodoProjector({ db, todos, snapshots, clock, log, ...deps }: TodoProjectorDeps) {
  const todoProducer = deps.todoProducer ?? "todo";
  const sequenceOf = (event: { producer: string; sequence?: number | undefined }) =>
    event.producer === todoProducer ? event.sequence : undefined;

  return {
    sequenceOf,

    /** Applies a todo event once; a stale or repeated version changes nothing but is still recorded. */
    async apply(event: TodoEvent): Promise<void> {
      // evolve against "nothing yet" gives the state this event stands for; the repository keeps it only
      // when its version is newer than what is stored (evolve's rule, enforced in the same statement).
      const next = evolve(undefined, event);
      await todos.apply(db, { consumer: PROJECTION_CONSUMER, eventId: event.id }, next, sequenceOf(event));
    },

    /** Records the request's own sequence and answers whether everything before it is applied. */
    check: (sequence: number) => todos.seenAndCaughtUp(db, sequence),

    /** The current watermark, compacted from the applied sequences. */
    progress: (): Promise<ProgressRow> => todos.compact(db),

    /** Re-reads the todo service's snapshot into the projection. */
    async resync(reason: string): Promise<ProgressRow> {
      const started = performance.now();
      const snapshot = await snapshots.fetch();
      const progress = await db
        .transaction()
        .execute((trx) => todos.mergeSnapshot(trx, snapshot, clock.now()));
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
    },

    /** First start: seeds the projection from the todo service if it never was. */
    async initialise(): Promise<void> {
      if (!(await todos.progress(db)).initialised) await this.resync("first start");
    },

    active: () => todos.active(db),
  };
}

export type TodoProjector = ReturnType<typeof createTodoProjector>;
