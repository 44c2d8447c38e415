import type { TodoEvent } from "@taskoverflow/contracts";
import { createBatcher } from "@taskoverflow/messaging";
import type { Logger } from "@taskoverflow/platform";
import { evolve } from "./todo.projection.ts";
import type { AppliedEvent, CalendarDb, ProgressRow, TodoProjectionRepository } from "./todo.repository.ts";
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
  /** Called after an event or a snapshot was applied (committed): the feed refreshes. */
  onApplied?: () => void;
}

/**
 * Keeps the calendar's copy of the todos: applies todo events (the events of one receive together, in one
 * statement, no shared row), re-reads the todo service's snapshot when asked, and answers how far it has caught up.
 */
export function createTodoProjector({ db, todos, snapshots, clock, log, ...deps }: TodoProjectorDeps) {
  const todoProducer = deps.todoProducer ?? "todo";
  const applied = deps.onApplied ?? (() => {});
  const sequenceOf = (event: { producer: string; sequence?: number | undefined }) =>
    event.producer === todoProducer ? event.sequence : undefined;
  // The consumer hands over a received batch's messages in one turn: they are written together.
  const applyOne = createBatcher<AppliedEvent, "processed" | "duplicate">({
    run: (items) => todos.applyAll(db, PROJECTION_CONSUMER, items),
  });

  return {
    sequenceOf,

    /** Applies a todo event once; a stale or repeated version changes nothing but is still recorded. */
    async apply(event: TodoEvent): Promise<"processed" | "duplicate"> {
      // evolve against "nothing yet" gives the state this event stands for; the repository keeps it only
      // when its version is newer than what is stored (evolve's rule, enforced in the same statement).
      const next = evolve(undefined, event);
      const outcome = await applyOne({ eventId: event.id, next, sequence: sequenceOf(event) });
      if (outcome === "processed") applied();
      return outcome;
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
      applied();
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
