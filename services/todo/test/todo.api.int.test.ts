import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import {
  type Backend,
  backends,
  fixedClock,
  openSharedDatabase,
  type RunningTodo,
  type SharedDatabase,
  startTodo,
} from "./todo.fixture.ts";

const NOW = "2026-03-10T09:30:00.000Z";
const NOW_NAIVE = "2026-03-10T09:30:00";
const daysFromNow = (days: number) =>
  new Date(Date.parse(NOW) + days * 86_400_000).toISOString().slice(0, 19);

describe.each(backends)("todo API on %s", (backend: Backend) => {
  let shared: SharedDatabase;
  let todo: RunningTodo;
  const clock = fixedClock(NOW);

  beforeAll(async () => {
    shared = await openSharedDatabase(backend);
  });
  afterAll(async () => shared.close());
  beforeEach(async () => {
    clock.set(NOW);
    todo = await startTodo(shared, { clock });
  });
  afterEach(async () => todo.stop());

  const create = async (body: Record<string, unknown>) => {
    const res = await todo.request("POST", "/api/v1/todos", body);
    expect(res.status).toBe(201);
    return (await res.json()) as Record<string, unknown>;
  };
  const get = (path: string) => todo.request("GET", path);
  const list = async (query = "") => {
    const res = await get(`/api/v1/todos${query}`);
    expect(res.status).toBe(200);
    return (await res.json()) as Array<Record<string, unknown>>;
  };
  const ids = (todos: Array<Record<string, unknown>>) => todos.map((t) => t.id);

  describe("the course's graded tests", () => {
    it("gets one todo with all its fields", async () => {
      await create({
        title: "Watch CSSE6400 Lecture",
        description: "Watch the lecture",
        completed: true,
        deadline_at: "2023-02-27T00:00:00",
      });
      const res = await get("/api/v1/todos/1");
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await res.json()).toEqual({
        id: 1,
        title: "Watch CSSE6400 Lecture",
        description: "Watch the lecture",
        completed: true,
        deadline_at: "2023-02-27T00:00:00",
        created_at: NOW_NAIVE,
        updated_at: NOW_NAIVE,
      });
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
      const res = await todo.request("POST", "/api/v1/todos", {
        title: "Project Proposal",
        description: "CSSE6400 Project Proposal Due",
        completed: false,
        deadline_at: "2023-04-03T14:00:00",
      });
      expect(res.status).toBe(201);
      expect(await res.json()).toEqual({
        id: 1,
        title: "Project Proposal",
        description: "CSSE6400 Project Proposal Due",
        completed: false,
        deadline_at: "2023-04-03T14:00:00",
        created_at: NOW_NAIVE,
        updated_at: NOW_NAIVE,
      });
    });

    it("rejects a create without a title", async () => {
      const res = await todo.request("POST", "/api/v1/todos", { description: "no title" });
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
        const res = await todo.request("POST", "/api/v1/todos", { title: "x", ...extra });
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
      const res = await todo.request("PUT", "/api/v1/todos/1", { title: "new" });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        id: 1,
        title: "new",
        description: "keep",
        completed: false,
        deadline_at: null,
        created_at: NOW_NAIVE,
        updated_at: "2026-03-11T10:00:00.123000",
      });
    });

    it("rejects an update with an extra field", async () => {
      await create({ title: "old" });
      const res = await todo.request("PUT", "/api/v1/todos/1", { title: "new", colour: "red" });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: "extra fields" });
    });

    it("answers 404 for an update of a missing todo", async () => {
      const res = await todo.request("PUT", "/api/v1/todos/1", { title: "new" });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: "Todo not found" });
    });

    it('rejects {"id":2} with 400 and leaves the todo unchanged, even for a missing todo', async () => {
      const before = await create({ title: "keep me" });
      const res = await todo.request("PUT", "/api/v1/todos/1", { id: 2 });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: "extra fields" });
      expect(await (await get("/api/v1/todos/1")).json()).toEqual(before);
      const missing = await todo.request("PUT", "/api/v1/todos/42", { id: 2 });
      expect(missing.status).toBe(400);
    });

    it("updates then gets the updated todo", async () => {
      await create({ title: "t" });
      const updated = await (await todo.request("PUT", "/api/v1/todos/1", { completed: true })).json();
      expect(updated).toMatchObject({ completed: true, title: "t" });
      expect(await (await get("/api/v1/todos/1")).json()).toEqual(updated);
    });

    it("deletes then gets: 200 with the todo, then 404", async () => {
      const created = await create({ title: "t" });
      const res = await todo.request("DELETE", "/api/v1/todos/1");
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual(created);
      expect((await get("/api/v1/todos/1")).status).toBe(404);
    });

    it("deletes a missing todo: 200 with {}", async () => {
      const res = await todo.request("DELETE", "/api/v1/todos/1");
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({});
    });
  });

  describe("beyond the graded tests", () => {
    it("answers health", async () => {
      const res = await get("/api/v1/health");
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: "ok" });
    });

    it("combines completed and window", async () => {
      await create({ title: "open soon", deadline_at: daysFromNow(3) });
      await create({ title: "done soon", deadline_at: daysFromNow(3), completed: true });
      await create({ title: "open later", deadline_at: daysFromNow(30) });
      expect(ids(await list("?completed=false&window=7"))).toEqual([1]);
      expect(ids(await list("?completed=true&window=7"))).toEqual([2]);
      expect(ids(await list("?window=0"))).toEqual([]);
      expect(ids(await list("?window=99999999999999999999"))).toEqual([1, 2, 3]);
    });

    it("includes a deadline exactly at now + N days", async () => {
      await create({ title: "edge", deadline_at: daysFromNow(2) });
      expect(ids(await list("?window=2"))).toEqual([1]);
      expect(ids(await list("?window=1"))).toEqual([]);
    });

    it.each([
      "?completed=yes",
      "?completed=True",
      "?completed=",
      "?completed=true&completed=false",
      "?window=-1",
      "?window=1.5",
      "?window=abc",
      "?window=",
      "?window=1&window=2",
    ])("rejects the invalid query %s with 400", async (query) => {
      const res = await get(`/api/v1/todos${query}`);
      expect(res.status).toBe(400);
      expect(typeof ((await res.json()) as { error: unknown }).error).toBe("string");
    });

    it("ignores unknown query parameters", async () => {
      await create({ title: "t" });
      expect(ids(await list("?page=2&sort=desc"))).toEqual([1]);
    });

    it.each([
      ["2023-04-03 14:00:00.000", "2023-04-03T14:00:00"],
      ["2023-04-03T14:00:00Z", "2023-04-03T14:00:00"],
      ["2023-04-03T14:00:00.123", "2023-04-03T14:00:00.123000"],
      ["2023-04-03T14:00:00.1234567", "2023-04-03T14:00:00.123456"],
      ["2023-04-03T14:00:00+10:00", "2023-04-03T04:00:00"],
      ["2023-04-03T01:30:00-0230", "2023-04-03T04:00:00"],
      ["2023-01-01T05:00:00+10:00", "2022-12-31T19:00:00"],
      ["2024-02-29", "2024-02-29T00:00:00"],
    ])("accepts the deadline %s and reads it back as %s", async (input, output) => {
      const created = await create({ title: "t", deadline_at: input });
      expect(created.deadline_at).toBe(output);
      expect(((await (await get("/api/v1/todos/1")).json()) as { deadline_at: unknown }).deadline_at).toBe(
        output,
      );
      expect((await list())[0]?.deadline_at).toBe(output);
    });

    it.each([
      ["title of the wrong type", { title: 5 }],
      ["an empty title", { title: "" }],
      ["a title of 81 characters", { title: "x".repeat(81) }],
      ["a title with NUL", { title: "a\u0000b" }],
      ["a null title", { title: null }],
      ["a description of the wrong type", { title: "t", description: 5 }],
      ["a description of 121 characters", { title: "t", description: "d".repeat(121) }],
      ["completed as a string", { title: "t", completed: "true" }],
      ["completed null", { title: "t", completed: null }],
      ["a numeric deadline", { title: "t", deadline_at: 1680530400 }],
      ["an unparsable deadline", { title: "t", deadline_at: "next tuesday" }],
      ["an impossible date", { title: "t", deadline_at: "2023-02-30T00:00:00" }],
      ["hour 24", { title: "t", deadline_at: "2023-02-01T24:00:00" }],
    ])("rejects a create with %s, changing nothing", async (_, body) => {
      const res = await todo.request("POST", "/api/v1/todos", body);
      expect(res.status).toBe(400);
      expect(typeof ((await res.json()) as { error: unknown }).error).toBe("string");
      expect(await list()).toEqual([]);
    });

    it("accepts titles of exactly 80 characters, counting characters not UTF-16 units", async () => {
      expect((await create({ title: "x".repeat(80) })).title).toHaveLength(80);
      const emoji = "😀".repeat(80);
      expect((await create({ title: emoji, description: "é".repeat(120) })).title).toBe(emoji);
    });

    it.each([
      ["a JSON array", "[]"],
      ["a JSON string", '"title"'],
      ["a JSON number", "5"],
      ["JSON null", "null"],
      ["malformed JSON", '{"title": '],
      ["an empty body", ""],
    ])("rejects %s as a body with 400", async (_, raw) => {
      const res = await todo.request("POST", "/api/v1/todos", raw);
      expect(res.status).toBe(400);
      const put = await todo.request("PUT", "/api/v1/todos/1", raw);
      expect(put.status).toBe(400);
      expect(await list()).toEqual([]);
    });

    it("rejects a body that is not application/json with 415", async () => {
      const res = await fetch(`${todo.url}/api/v1/todos`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "title=hello",
      });
      expect(res.status).toBe(415);
      expect(await list()).toEqual([]);
    });

    it("rejects a body over 64 kB with 413", async () => {
      const res = await todo.request("POST", "/api/v1/todos", {
        title: "t",
        description: "d".repeat(70_000),
      });
      expect(res.status).toBe(413);
      expect(await list()).toEqual([]);
    });

    it("keeps keys not sent, clears description and deadline with null, bumps updated_at", async () => {
      await create({ title: "t", description: "d", deadline_at: "2023-04-03T14:00:00" });
      clock.set("2026-03-12T00:00:00Z");
      const cleared = await (await todo.request("PUT", "/api/v1/todos/1", { description: null })).json();
      expect(cleared).toMatchObject({ title: "t", description: null, deadline_at: "2023-04-03T14:00:00" });
      const res = await todo.request("PUT", "/api/v1/todos/1", { deadline_at: null, completed: true });
      expect(await res.json()).toEqual({
        id: 1,
        title: "t",
        description: null,
        completed: true,
        deadline_at: null,
        created_at: NOW_NAIVE,
        updated_at: "2026-03-12T00:00:00",
      });
    });

    it("changes nothing on rejected updates and consumes no id on rejected creates", async () => {
      const before = await create({ title: "t", description: "d" });
      clock.set("2026-04-01T00:00:00Z");
      const rejected: Array<[string, unknown]> = [
        ["PUT", { title: "" }],
        ["PUT", { title: "ok", completed: "yes" }],
        ["PUT", { title: "ok", deadline_at: "never" }],
        ["PUT", { title: null }],
        ["PUT", { title: "ok", version: 9 }],
        ["POST", { title: "x".repeat(81) }],
        ["POST", { title: "ok", id: 1 }],
      ];
      for (const [method, body] of rejected) {
        const path = method === "PUT" ? "/api/v1/todos/1" : "/api/v1/todos";
        expect((await todo.request(method, path, body)).status).toBe(400);
      }
      expect(await list()).toEqual([before]);
      expect((await create({ title: "next" })).id).toBe(2);
    });

    it("treats ids that cannot exist as missing", async () => {
      await create({ title: "t" });
      for (const id of ["abc", "0", "-1", "1.0", "99999999999"]) {
        expect((await get(`/api/v1/todos/${id}`)).status).toBe(404);
        expect((await todo.request("PUT", `/api/v1/todos/${id}`, { title: "x" })).status).toBe(404);
        const del = await todo.request("DELETE", `/api/v1/todos/${id}`);
        expect(await del.json()).toEqual({});
      }
      expect(await list()).toHaveLength(1);
    });

    it("answers JSON 404 for unknown routes and echoes the correlation id", async () => {
      const res = await todo.request("GET", "/api/v1/nothing", undefined, { "x-correlation-id": "abc-123" });
      expect(res.status).toBe(404);
      expect(res.headers.get("x-correlation-id")).toBe("abc-123");
      expect(await res.json()).toMatchObject({ error: "Not found" });
    });
  });
});
