// The course's graded tests of the todo API, on a real PostgreSQL database and on PGlite.
import { describe, expect, it } from "@jest/globals";
import { type Backend, backends, daysFromNow, NOW_NAIVE, storedTodo, useTodoApi } from "./todo.fixture.ts";

describe.each(backends)("todo API, the course's graded tests on %s", (backend: Backend) => {
  const api = useTodoApi(backend);
  const { clock, create, get, list, ids } = api;

  it("gets one todo with all its fields", async () => {
    const lecture = { title: "Watch CSSE6400 Lecture", description: "Watch the lecture" };
    await create({ ...lecture, completed: true, deadline_at: "2023-02-27T00:00:00" });
    const res = await get("/api/v1/todos/1");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual(
      storedTodo({ ...lecture, completed: true, deadline_at: "2023-02-27T00:00:00" }),
    );
  });

  it("answers 404 for a missing todo", async () => {
    const res = await get("/api/v1/todos/1");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: "Todo not found" });
  });

  it("lists nothing as []", async () => {
    const res = await get("/api/v1/todos");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.text()).toBe("[]");
  });

  it("lists two todos in id order", async () => {
    const a = await create({ title: "one" });
    const b = await create({ title: "two", description: "second" });
    expect(await list()).toEqual([a, b]);
  });

  it("filters by completed=true", async () => {
    await create({ title: "open" });
    await create({ title: "done", completed: true });
    expect(ids(await list("?completed=true"))).toEqual([2]);
    expect(ids(await list("?completed=false"))).toEqual([1]);
  });

  it("filters by window=5: overdue and within 5 days, in id order", async () => {
    await create({ title: "long past", deadline_at: "2023-02-27T00:00:00" });
    await create({ title: "in 4 days", deadline_at: daysFromNow(4) });
    await create({ title: "in 10 days", deadline_at: daysFromNow(10) });
    await create({ title: "also long past", deadline_at: "2022-01-01T00:00:00" });
    await create({ title: "no deadline" });
    expect(ids(await list("?window=5"))).toEqual([1, 2, 4]);
  });

  it("creates a todo: 201, first id 1, deadline round-trips exactly", async () => {
    const proposal = { title: "Project Proposal", description: "CSSE6400 Project Proposal Due" };
    const sent = { ...proposal, completed: false, deadline_at: "2023-04-03T14:00:00" };
    const res = await api.todo.request("POST", "/api/v1/todos", sent);
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual(storedTodo(sent));
  });

  it("rejects a create without a title", async () => {
    const res = await api.todo.request("POST", "/api/v1/todos", { description: "no title" });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "missing title" });
    expect(await list()).toEqual([]);
  });

  it("rejects a create with an extra field", async () => {
    for (const extra of [
      { id: 5 },
      { created_at: NOW_NAIVE },
      { updated_at: NOW_NAIVE },
      { colour: "red" },
    ]) {
      const res = await api.todo.request("POST", "/api/v1/todos", { title: "x", ...extra });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: "extra fields" });
    }
    expect(await list()).toEqual([]);
  });

  it("creates then gets the same todo", async () => {
    const created = await create({ title: "t", description: "d", deadline_at: "2023-04-03 14:00:00.000" });
    const res = await get(`/api/v1/todos/${created.id}`);
    expect(await res.json()).toEqual(created);
  });

  it("creates with only title and description: completed false, deadline null", async () => {
    const created = await create({ title: "t", description: "d" });
    expect(created).toMatchObject({ completed: false, deadline_at: null, description: "d" });
  });

  it("updates a title", async () => {
    await create({ title: "old", description: "keep" });
    clock.set("2026-03-11T10:00:00.123Z");
    const res = await api.todo.request("PUT", "/api/v1/todos/1", { title: "new" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(
      storedTodo({ title: "new", description: "keep", updated_at: "2026-03-11T10:00:00.123000" }),
    );
  });

  it("rejects an update with an extra field", async () => {
    await create({ title: "old" });
    const res = await api.todo.request("PUT", "/api/v1/todos/1", { title: "new", colour: "red" });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "extra fields" });
  });

  it("answers 404 for an update of a missing todo", async () => {
    const res = await api.todo.request("PUT", "/api/v1/todos/1", { title: "new" });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: "Todo not found" });
  });

  it('rejects {"id":2} with 400 and leaves the todo unchanged, even for a missing todo', async () => {
    const before = await create({ title: "keep me" });
    const res = await api.todo.request("PUT", "/api/v1/todos/1", { id: 2 });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "extra fields" });
    expect(await (await get("/api/v1/todos/1")).json()).toEqual(before);
    const missing = await api.todo.request("PUT", "/api/v1/todos/42", { id: 2 });
    expect(missing.status).toBe(400);
  });

  it("updates then gets the updated todo", async () => {
    await create({ title: "t" });
    const updated = await (await api.todo.request("PUT", "/api/v1/todos/1", { completed: true })).json();
    expect(updated).toMatchObject({ completed: true, title: "t" });
    expect(await (await get("/api/v1/todos/1")).json()).toEqual(updated);
  });

  it("deletes then gets: 200 with the todo, then 404", async () => {
    const created = await create({ title: "t" });
    const res = await api.todo.request("DELETE", "/api/v1/todos/1");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(created);
    expect((await get("/api/v1/todos/1")).status).toBe(404);
  });

  it("deletes a missing todo: 200 with {}", async () => {
    const res = await api.todo.request("DELETE", "/api/v1/todos/1");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
  });
});
