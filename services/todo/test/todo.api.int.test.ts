// The todo API beyond the course's graded tests: health, filters combined, bounds, bodies and headers.
import { describe, expect, it } from "@jest/globals";
import { createLogger, migrate } from "@taskoverflow/platform";
import { sql } from "kysely";
import { createTodoApp } from "../src/app.ts";
import { migrations } from "../src/db/migrations/index.ts";
import {
  type Backend,
  backends,
  client,
  daysFromNow,
  NOW_NAIVE,
  testConfig,
  useTodoApi,
} from "./todo.fixture.ts";

const contractKeys = ["id", "title", "description", "completed", "deadline_at", "created_at", "updated_at"];
/** The same JSON with no whitespace between tokens, keys in the order they came. */
const compact = (text: string) => JSON.stringify(JSON.parse(text));

describe.each(backends)("todo API beyond the graded tests on %s", (backend: Backend) => {
  const api = useTodoApi(backend);
  const { clock, create, get, list, ids } = api;

  it("answers compact JSON in the contract's key order: created, fetched, updated and listed alike", async () => {
    const post = await api.todo.request("POST", "/api/v1/todos", {
      title: 'Quotes " and : colons, commas',
      description: "a : b",
      deadline_at: "2031-01-02T03:04:05.5",
    });
    const created = await post.text();
    expect(created).toBe(compact(created));
    expect(Object.keys(JSON.parse(created))).toEqual(contractKeys);
    expect(await (await get("/api/v1/todos/1")).text()).toBe(created);
    const put = await (await api.todo.request("PUT", "/api/v1/todos/1", { completed: true })).text();
    expect(put).toBe(compact(put));
    expect(await (await get("/api/v1/todos")).text()).toBe(`[${put}]`);
  });

  it("renders the todos stored before migration 0006 compact", async () => {
    await api.todo.stop();
    const { database } = api.shared;
    await api.shared.reset();
    const silent = createLogger({ service: "todo-test", level: "silent" });
    const upTo0005 = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < "0006"));
    await migrate(database.db, upTo0005, silent);
    await sql`INSERT INTO todos (title, created_at, updated_at) VALUES ('Stored before', now(), now())`.execute(
      database.db,
    );
    const app = createTodoApp(testConfig(), { database });
    const { url } = await app.start();
    api.todo = { url, request: client(url), stop: () => app.stop() };
    const listed = await (await get("/api/v1/todos")).text();
    expect(listed).toBe(compact(listed));
    expect(JSON.parse(listed)).toMatchObject([{ id: 1, title: "Stored before", completed: false }]);
  });

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
    const res = await api.todo.request("POST", "/api/v1/todos", body);
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
    const res = await api.todo.request("POST", "/api/v1/todos", raw);
    expect(res.status).toBe(400);
    const put = await api.todo.request("PUT", "/api/v1/todos/1", raw);
    expect(put.status).toBe(400);
    expect(await list()).toEqual([]);
  });

  it("rejects a body that is not application/json with 415", async () => {
    const res = await fetch(`${api.todo.url}/api/v1/todos`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "title=hello",
    });
    expect(res.status).toBe(415);
    expect(await list()).toEqual([]);
  });

  it("rejects a body over 64 kB with 413", async () => {
    const res = await api.todo.request("POST", "/api/v1/todos", {
      title: "t",
      description: "d".repeat(70_000),
    });
    expect(res.status).toBe(413);
    expect(await list()).toEqual([]);
  });

  it("keeps keys not sent, clears description and deadline with null, bumps updated_at", async () => {
    await create({ title: "t", description: "d", deadline_at: "2023-04-03T14:00:00" });
    clock.set("2026-03-12T00:00:00Z");
    const cleared = await (await api.todo.request("PUT", "/api/v1/todos/1", { description: null })).json();
    expect(cleared).toMatchObject({ title: "t", description: null, deadline_at: "2023-04-03T14:00:00" });
    const res = await api.todo.request("PUT", "/api/v1/todos/1", { deadline_at: null, completed: true });
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
      expect((await api.todo.request(method, path, body)).status).toBe(400);
    }
    expect(await list()).toEqual([before]);
    expect((await create({ title: "next" })).id).toBe(2);
  });

  it("treats ids that cannot exist as missing", async () => {
    await create({ title: "t" });
    for (const id of ["abc", "0", "-1", "1.0", "99999999999"]) {
      expect((await get(`/api/v1/todos/${id}`)).status).toBe(404);
      expect((await api.todo.request("PUT", `/api/v1/todos/${id}`, { title: "x" })).status).toBe(404);
      const del = await api.todo.request("DELETE", `/api/v1/todos/${id}`);
      expect(await del.json()).toEqual({});
    }
    expect(await list()).toHaveLength(1);
  });

  it("answers JSON 404 for unknown routes and echoes the correlation id", async () => {
    const res = await api.todo.request("GET", "/api/v1/nothing", undefined, {
      "x-correlation-id": "abc-123",
    });
    expect(res.status).toBe(404);
    expect(res.headers.get("x-correlation-id")).toBe("abc-123");
    expect(await res.json()).toMatchObject({ error: "Not found" });
  });
});
