import { createEvent, type TodoState } from "@taskoverflow/contracts";
import { enqueueEvent } from "@taskoverflow/messaging";
import type { Todo } from "./todo.domain.ts";
import type { TodoEvents } from "./todo.events.ts";

export const PRODUCER = "todo";

const utc = (naive: string) => `${naive}Z`;

/** The API's todo (naive UTC, snake_case) as the event contract carries it. */
export function toTodoState(todo: Todo, version: number): TodoState {
  return {
    id: todo.id,
    title: todo.title,
    description: todo.description,
    completed: todo.completed,
    deadlineAt: todo.deadline_at === null ? null : utc(todo.deadline_at),
    createdAt: utc(todo.created_at),
    updatedAt: utc(todo.updated_at),
    version,
  };
}

/** Todo events written to the transactional outbox; the messaging relay publishes them. */
export function outboxTodoEvents(newId?: () => string): TodoEvents {
  const record =
    (type: "TodoCreated" | "TodoUpdated" | "TodoDeleted"): TodoEvents["created"] =>
    async (trx, { todo, version }, { correlationId, at }) => {
      const event = createEvent(
        type,
        { todo: toTodoState(todo, version) },
        { correlationId, producer: PRODUCER, now: () => at, ...(newId && { newId }) },
      );
      // Kysely's database type is invariant: our transaction has the outbox tables and more, which
      // enqueueEvent (typed for exactly the outbox tables) cannot express.
      await enqueueEvent(trx, event);
    };
  return { created: record("TodoCreated"), updated: record("TodoUpdated"), deleted: record("TodoDeleted") };
}
