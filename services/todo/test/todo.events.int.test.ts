import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { type DomainEvent, TodoCreated, TodoDeleted, TodoUpdated } from "@taskoverflow/contracts";
import { waitFor } from "@taskoverflow/test-harness";
import { sql } from "kysely";
import { createTodoApp } from "../src/app.ts";
import {
  type Backend,
  backends,
  client,
  fixedClock,
  openSharedDatabase,
  type RunningTodo,
  type SharedDatabase,
  startTodo,
  testConfig,
} from "./todo.fixture.ts";

interface OutboxRow {
  sequence: string | null;
  type: string;
  body: string;
}

describe.each(backends)("todo events on %s", (backend: Backend) => {
  let shared: SharedDatabase;
  let todo: RunningTodo;
  let published: DomainEvent[];
  const clock = fixedClock("2026-03-10T09:30:00.000Z");
  const publisher = {
    publish: async (events: DomainEvent[]) => {
      published.push(...events);
    },
  };

  beforeAll(async () => {
    shared = await openSharedDatabase(backend);
  });
  afterAll(async () => shared.close());
  beforeEach(async () => {
    clock.set("2026-03-10T09:30:00.000Z");
    published = [];
    todo = await startTodo(shared, { clock, publisher });
  });
  afterEach(async () => todo.stop());

  const outbox = async () => {
    const { rows } = await sql<OutboxRow>`SELECT sequence::text, type, body FROM outbox ORDER BY id`.execute(
      shared.database.db,
    );
    return rows.map((r) => ({ sequence: Number(r.sequence), type: r.type, event: JSON.parse(r.body) }));
  };
  /** Waits until the relay numbered and published every outbox row. */
  const settled = () =>
    waitFor(
      async () => {
        const { rows } = await sql<{ n: string }>`
          SELECT count(*)::text AS n FROM outbox WHERE (sequence IS NULL OR sequence > (SELECT published_through FROM outbox_head))`.execute(
          shared.database.db,
        );
        return rows[0]?.n === "0";
      },
      { what: "the outbox to be published" },
    );
  const snapshot = async () =>
    (await (await todo.request("GET", "/internal/v1/todos/snapshot")).json()) as {
      sequence: number;
      todos: Array<{ id: number; version: number }>;
    };
  const send = (method: string, path: string, body?: unknown) =>
    todo.request(method, path, body, { "x-correlation-id": "corr-42" });

  it("writes one event per change, with the todo's state, version and the request's correlation id", async () => {
    expect(
      (await send("POST", "/api/v1/todos", { title: "t", deadline_at: "2023-04-03T14:00:00" })).status,
    ).toBe(201);
    clock.set("2026-03-11T00:00:00.250Z");
    expect((await send("PUT", "/api/v1/todos/1", { completed: true })).status).toBe(200);
    expect((await send("DELETE", "/api/v1/todos/1")).status).toBe(200);

    await settled();
    const rows = await outbox();
    expect(rows.map((r) => [r.sequence, r.type])).toEqual([
      [1, "TodoCreated"],
      [2, "TodoUpdated"],
      [3, "TodoDeleted"],
    ]);
    expect(published.map((e) => [e.sequence, e.type])).toEqual(rows.map((r) => [r.sequence, r.type]));
    const [created, updated, deleted] = published;
    expect(TodoCreated.parse(created)).toMatchObject({
      producer: "todo",
      correlationId: "corr-42",
      occurredAt: "2026-03-10T09:30:00.000Z",
      sequence: 1,
      payload: {
        todo: {
          id: 1,
          title: "t",
          description: null,
          completed: false,
          deadlineAt: "2023-04-03T14:00:00Z",
          createdAt: "2026-03-10T09:30:00Z",
          updatedAt: "2026-03-10T09:30:00Z",
          version: 1,
        },
      },
    });
    expect(TodoUpdated.parse(updated).payload.todo).toMatchObject({
      completed: true,
      updatedAt: "2026-03-11T00:00:00.250000Z",
      version: 2,
    });
    expect(TodoDeleted.parse(deleted).payload.todo).toMatchObject({ id: 1, completed: true, version: 3 });
    expect(new Set(rows.map((r) => r.event.id)).size).toBe(3);
    // The stored body is the event without its sequence, which the relay adds when it publishes.
    expect(rows.map((r) => r.event.sequence)).toEqual([undefined, undefined, undefined]);
  });

  it("writes no event for a rejected request or a change to a missing todo", async () => {
    await send("POST", "/api/v1/todos", { title: "t" });
    const rejected: Array<[string, string, unknown, number]> = [
      ["POST", "/api/v1/todos", { title: "" }, 400],
      ["POST", "/api/v1/todos", { title: "t", id: 3 }, 400],
      ["POST", "/api/v1/todos", "[]", 400],
      ["PUT", "/api/v1/todos/1", { completed: "yes" }, 400],
      ["PUT", "/api/v1/todos/1", { id: 2 }, 400],
      ["PUT", "/api/v1/todos/7", { title: "missing" }, 404],
      ["DELETE", "/api/v1/todos/7", undefined, 200], // the contract: deleting a missing todo is 200 {}
    ];
    for (const [method, path, body, status] of rejected) {
      expect({ method, path, status: (await send(method, path, body)).status }).toEqual({
        method,
        path,
        status,
      });
    }
    await settled();
    expect((await outbox()).map((r) => r.type)).toEqual(["TodoCreated"]);
    expect((await snapshot()).sequence).toBe(1);
  });

  it("commits a change and its event together: when the event cannot be written, neither is", async () => {
    await todo.stop();
    // Every event gets the same id: the second event's outbox insert violates the unique event id, which
    // fails the one statement that also writes the todo.
    todo = await startTodo(shared, { clock, publisher, newId: () => "0b7e8c1a-5a77-4d3c-9f41-7d2b6a1c9e10" });
    expect((await send("POST", "/api/v1/todos", { title: "before" })).status).toBe(201);
    const res = await send("PUT", "/api/v1/todos/1", { title: "after" });
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ error: "Internal server error" });
    expect(await (await send("GET", "/api/v1/todos/1")).json()).toMatchObject({ title: "before" });
    await settled();
    expect((await outbox()).map((r) => r.type)).toEqual(["TodoCreated"]);
    const { sequence, todos } = await snapshot();
    expect(sequence).toBe(1);
    expect(todos).toEqual([expect.objectContaining({ id: 1, title: "before", version: 1 })]);
  });

  it("serves a snapshot of every todo with the outbox sequence it corresponds to", async () => {
    await send("POST", "/api/v1/todos", { title: "a" });
    await send("POST", "/api/v1/todos", { title: "b" });
    await send("PUT", "/api/v1/todos/2", { completed: true });
    await send("DELETE", "/api/v1/todos/1");
    await settled();
    const { sequence, todos } = await snapshot();
    expect(sequence).toBe(4);
    expect(todos).toEqual([
      {
        id: 2,
        title: "b",
        description: null,
        completed: true,
        deadlineAt: null,
        createdAt: "2026-03-10T09:30:00Z",
        updatedAt: "2026-03-10T09:30:00Z",
        version: 2,
      },
    ]);
  });

  it("publishes committed events through the outbox relay, in order, and marks them published", async () => {
    await send("POST", "/api/v1/todos", { title: "a" });
    await send("PUT", "/api/v1/todos/1", { title: "b" });
    await send("PUT", "/api/v1/todos/1", { title: "" });
    await settled();
    expect(published.map((e) => [e.type, e.sequence])).toEqual([
      ["TodoCreated", 1],
      ["TodoUpdated", 2],
    ]);
  });

  it("lists what another instance on the same database changed (no per-instance cache to go stale)", async () => {
    const other = createTodoApp(testConfig(), { database: shared.database, clock });
    const otherApi = client((await other.start()).url);
    try {
      const titles = async () =>
        ((await (await send("GET", "/api/v1/todos")).json()) as Array<{ title: string }>).map((t) => t.title);
      await send("POST", "/api/v1/todos", { title: "mine" });
      expect(await titles()).toEqual(["mine"]);
      expect(await titles()).toEqual(["mine"]);
      await otherApi("POST", "/api/v1/todos", { title: "theirs" });
      expect(await titles()).toEqual(["mine", "theirs"]);
      await otherApi("PUT", "/api/v1/todos/1", { title: "renamed" });
      expect(await titles()).toEqual(["renamed", "theirs"]);
      await otherApi("PUT", "/api/v1/todos/2", { completed: true });
      const done = (await (await send("GET", "/api/v1/todos?completed=true")).json()) as unknown[];
      expect(done).toHaveLength(1);
      await otherApi("DELETE", "/api/v1/todos/1");
      expect(await titles()).toEqual(["theirs"]);
    } finally {
      await other.stop();
    }
  });
});
