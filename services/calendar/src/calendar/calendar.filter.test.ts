import { describe, expect, it } from "@jest/globals";
import type { CalendarTodo } from "./calendar.builder.ts";
import { selectTodos } from "./calendar.filter.ts";

const requestedAt = new Date("2024-01-10T12:00:00.000Z");
const todo = (id: number, completed: boolean, deadlineAt: string | null): CalendarTodo => ({
  id,
  title: `t${id}`,
  description: null,
  completed,
  deadlineAt,
  createdAt: "2024-01-01T00:00:00.000Z",
  updatedAt: "2024-01-01T00:00:00.000Z",
  version: 1,
});
const todos = [
  todo(5, false, "2024-01-20T12:00:00.000Z"), // +10 days
  todo(1, false, "2020-01-01T00:00:00.000Z"), // long overdue
  todo(3, true, "2024-01-14T12:00:00.000Z"), // +4 days
  todo(2, false, null),
  todo(4, true, "2024-01-15T12:00:00.000Z"), // exactly +5 days
];
const ids = (list: CalendarTodo[]) => list.map((t) => t.id);

describe("selectTodos", () => {
  it("keeps every todo, in id order, without filters", () => {
    expect(ids(selectTodos(todos, {}, requestedAt))).toEqual([1, 2, 3, 4, 5]);
  });

  it("filters on completed", () => {
    expect(ids(selectTodos(todos, { completed: true }, requestedAt))).toEqual([3, 4]);
    expect(ids(selectTodos(todos, { completed: false }, requestedAt))).toEqual([1, 2, 5]);
  });

  it("keeps deadlines at or before requestedAt + N days, overdue included, no deadline excluded", () => {
    expect(ids(selectTodos(todos, { windowDays: 5 }, requestedAt))).toEqual([1, 3, 4]);
    expect(ids(selectTodos(todos, { windowDays: 0 }, requestedAt))).toEqual([1]);
  });

  it("combines both filters", () => {
    expect(ids(selectTodos(todos, { completed: false, windowDays: 5 }, requestedAt))).toEqual([1]);
  });
});
