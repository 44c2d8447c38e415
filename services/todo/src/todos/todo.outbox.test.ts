import { describe, expect, it } from "@jest/globals";
import { createEvent, TodoDeleted, TodoState } from "@taskoverflow/contracts";
import { toTodoState } from "./todo.outbox.ts";

const todo = {
  id: 3,
  title: "Project Proposal",
  description: null,
  completed: false,
  deadline_at: "2023-04-03T14:00:00",
  created_at: "2026-03-10T09:30:00.123000",
  updated_at: "2026-03-10T09:30:00.123000",
};

describe("toTodoState", () => {
  it("maps the API todo to the event contract, timestamps marked UTC", () => {
    const state = toTodoState(todo, 2);
    expect(state).toEqual({
      id: 3,
      title: "Project Proposal",
      description: null,
      completed: false,
      deadlineAt: "2023-04-03T14:00:00Z",
      createdAt: "2026-03-10T09:30:00.123000Z",
      updatedAt: "2026-03-10T09:30:00.123000Z",
      version: 2,
    });
    expect(TodoState.parse(state)).toEqual(state);
    expect(toTodoState({ ...todo, deadline_at: null }, 1).deadlineAt).toBeNull();
  });

  it("produces events the contract accepts", () => {
    const event = createEvent(
      "TodoDeleted",
      { todo: toTodoState(todo, 4) },
      {
        correlationId: "c-1",
        producer: "todo",
        now: () => new Date("2026-03-10T10:00:00Z"),
        newId: () => "6f1c2a8e-8d1b-4c1e-9a51-0c5f3f1e2b7a",
      },
    );
    expect(TodoDeleted.parse(event)).toEqual(event);
  });
});
