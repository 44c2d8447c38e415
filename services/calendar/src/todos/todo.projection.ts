import { assertNever, type TodoEvent, type TodoState } from "@taskoverflow/contracts";

/** The calendar's view of one todo. A deleted todo stays as a tombstone so a late update cannot revive it. */
export interface ProjectedTodo {
  todo: TodoState;
  deleted: boolean;
}

/**
 * The next state of one todo after an event. Versions only grow (1 on create, +1 per change, deletion
 * included), so an event whose version is not above the current one is stale or repeated and is ignored:
 * the same state object comes back, which is how the caller knows nothing changed.
 */
export function evolve(current: ProjectedTodo | undefined, event: TodoEvent): ProjectedTodo | undefined {
  const { todo } = event.payload;
  if (current !== undefined && todo.version <= current.todo.version) return current;
  switch (event.type) {
    case "TodoCreated":
    case "TodoUpdated":
      return { todo, deleted: false };
    case "TodoDeleted":
      return { todo, deleted: true };
    default:
      return assertNever(event);
  }
}
