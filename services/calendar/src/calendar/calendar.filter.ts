import type { CalendarFilters } from "@taskoverflow/contracts";
import type { CalendarTodo } from "./calendar.builder.ts";

const DAY_MS = 86_400_000;

/**
 * The list endpoint's filters, applied to a projection: `completed` must match; `windowDays` keeps todos
 * whose deadline is at or before requestedAt + N days (overdue included, no deadline excluded).
 * Returns the todos in id order, as the list endpoint does.
 */
export function selectTodos<T extends CalendarTodo>(
  todos: Iterable<T>,
  filters: CalendarFilters,
  requestedAt: Date,
): T[] {
  const cutoff =
    filters.windowDays === undefined ? undefined : requestedAt.getTime() + filters.windowDays * DAY_MS;
  const selected: T[] = [];
  for (const todo of todos) {
    if (filters.completed !== undefined && todo.completed !== filters.completed) continue;
    if (cutoff !== undefined) {
      if (todo.deadlineAt === null || Date.parse(todo.deadlineAt) > cutoff) continue;
    }
    selected.push(todo);
  }
  return selected.sort((a, b) => a.id - b.id);
}
