import { describe, expect, it } from "@jest/globals";
import { createEvent, type TodoEvent, type TodoState } from "@taskoverflow/contracts";
import { evolve, type ProjectedTodo } from "./todo.projection.ts";

const ctx = { correlationId: "c-1", producer: "todo" };
const state = (version: number, title = `v${version}`): TodoState => ({
  id: 7,
  title,
  description: null,
  completed: false,
  deadlineAt: "2024-06-01T09:30:00Z",
  createdAt: "2024-04-01T00:00:00Z",
  updatedAt: "2024-04-01T00:00:00Z",
  version,
});
const created = (v: number) => createEvent("TodoCreated", { todo: state(v) }, ctx);
const updated = (v: number, title?: string) => createEvent("TodoUpdated", { todo: state(v, title) }, ctx);
const deleted = (v: number) => createEvent("TodoDeleted", { todo: state(v) }, ctx);

const fold = (events: TodoEvent[]) =>
  events.reduce<ProjectedTodo | undefined>((s, e) => evolve(s, e), undefined);

describe("todo projection evolve", () => {
  it("creates, updates and deletes (as a tombstone)", () => {
    expect(fold([created(1)])).toEqual({ todo: state(1), deleted: false });
    expect(fold([created(1), updated(2, "new")])).toEqual({ todo: state(2, "new"), deleted: false });
    expect(fold([created(1), updated(2), deleted(3)])).toEqual({ todo: state(3), deleted: true });
  });

  it("ignores a repeated event and returns the same object", () => {
    const once = fold([created(1), updated(2, "new")]);
    expect(evolve(once, updated(2, "new"))).toBe(once);
  });

  it("ignores a stale update that arrives after a newer one", () => {
    expect(fold([created(1), updated(3, "third"), updated(2, "second")])?.todo.title).toBe("third");
  });

  it("does not revive a deleted todo with a late update or create", () => {
    expect(fold([created(1), deleted(3), updated(2), created(1)])).toEqual({ todo: state(3), deleted: true });
  });

  it("converges whatever the arrival order", () => {
    const events = [created(1), updated(2, "b"), updated(3, "c"), updated(4, "d")];
    const orders = [
      events,
      [...events].reverse(),
      [events[2], events[0], events[3], events[1]] as TodoEvent[],
    ];
    for (const order of orders) expect(fold(order)).toEqual({ todo: state(4, "d"), deleted: false });
  });

  it("applies an update first seen before its create (the create is then stale)", () => {
    expect(fold([updated(2, "b"), created(1)])).toEqual({ todo: state(2, "b"), deleted: false });
  });
});
