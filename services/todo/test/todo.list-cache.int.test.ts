import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { sql } from "kysely";
import { createTodoApp, OUTBOX_RETAIN_MS } from "../src/app.ts";
import { createListCache, type ListCache } from "../src/todos/todo.list-cache.ts";
import { todoEventEnvelope } from "../src/todos/todo.outbox.ts";
import type { TodoDb } from "../src/todos/todo.repository.ts";
import { TodoRepository } from "../src/todos/todo.repository.ts";
import {
  type Backend,
  backends,
  client,
  fixedClock,
  NOW,
  NOW_NAIVE,
  openSharedDatabase,
  type RunningTodo,
  type SharedDatabase,
  testConfig,
} from "./todo.fixture.ts";

interface Instance {
  request: RunningTodo["request"];
  cache: ListCache;
  /** Moves the cache's clock (its entry age bound). */
  age(ms: number): void;
  stop(): Promise<void>;
}

const MAX_AGE_MS = 60_000;

describe.each(backends)("the list cache on %s (two instances, one database)", (backend: Backend) => {
  let shared: SharedDatabase;
  let a: Instance;
  let b: Instance;
  const clock = fixedClock(NOW);

  async function instance(): Promise<Instance> {
    let now = 0;
    const cache = createListCache(new TodoRepository(), {
      maxBytes: 1 << 20,
      maxAgeMs: MAX_AGE_MS,
      retainPublishedMs: OUTBOX_RETAIN_MS,
      now: () => now,
    });
    const app = createTodoApp(testConfig(), { database: shared.database, clock, listCache: cache });
    const { url } = await app.start();
    return { request: client(url), cache, age: (ms) => (now += ms), stop: () => app.stop() };
  }

  beforeAll(async () => {
    shared = await openSharedDatabase(backend);
  });
  afterAll(async () => shared.close());
  beforeEach(async () => {
    await shared.reset();
    a = await instance();
    b = await instance();
  });
  afterEach(async () => {
    await a?.stop();
    await b?.stop();
  });

  const call = async (on: Instance, method: string, path: string, body?: unknown) => {
    const res = await on.request(method, path, body);
    expect(res.status).toBeLessThan(300);
    return res;
  };
  const titles = async (on: Instance, query = "") =>
    ((await (await call(on, "GET", `/api/v1/todos${query}`)).json()) as Array<{ title: string }>).map(
      (t) => t.title,
    );

  it("shows a create, an update and a delete made through the other instance at once", async () => {
    await call(a, "POST", "/api/v1/todos", { title: "one" });
    expect(await titles(b)).toEqual(["one"]);
    expect(await titles(b)).toEqual(["one"]);
    expect(b.cache.stats).toMatchObject({ reads: 1, hits: 1 });

    await call(a, "POST", "/api/v1/todos", { title: "two" });
    expect(await titles(b)).toEqual(["one", "two"]);
    await call(a, "PUT", "/api/v1/todos/1", { title: "uno", completed: true });
    expect(await titles(b)).toEqual(["uno", "two"]);
    expect(await titles(b, "?completed=true")).toEqual(["uno"]);
    await call(a, "DELETE", "/api/v1/todos/2");
    expect(await titles(b)).toEqual(["uno"]);
    await call(a, "PUT", "/api/v1/todos/1", { completed: false });
    expect(await titles(b, "?completed=true")).toEqual([]);
    // Every GET after a change read the list again; only the one with nothing in between was a hit.
    expect(b.cache.stats).toMatchObject({ reads: 6, hits: 1 });
  });

  it("answers a hit with the same bytes and ETag, without reading the list; If-None-Match gets 304", async () => {
    await call(a, "POST", "/api/v1/todos", { title: "one" });
    const first = await call(b, "GET", "/api/v1/todos");
    const firstBytes = Buffer.from(await first.arrayBuffer());
    const second = await call(b, "GET", "/api/v1/todos");
    expect(Buffer.from(await second.arrayBuffer()).equals(firstBytes)).toBe(true);
    expect(second.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(b.cache.stats).toMatchObject({ reads: 1, hits: 1 });

    const etag = first.headers.get("etag") ?? "";
    expect(etag).toMatch(/^"[\w-]{22}"$/);
    expect(second.headers.get("etag")).toBe(etag);
    const unchanged = await b.request("GET", "/api/v1/todos", undefined, { "if-none-match": etag });
    expect(unchanged.status).toBe(304);
    expect(await unchanged.text()).toBe("");
    expect(b.cache.stats).toMatchObject({ reads: 1, hits: 2 });

    await call(a, "PUT", "/api/v1/todos/1", { title: "uno" });
    const changed = await b.request("GET", "/api/v1/todos", undefined, { "if-none-match": etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).not.toBe(etag);
    expect(((await changed.json()) as Array<{ title: string }>)[0]?.title).toBe("uno");
  });

  it("reads the list from scratch once an entry is older than its age bound", async () => {
    await call(a, "POST", "/api/v1/todos", { title: "one" });
    await titles(b);
    b.age(MAX_AGE_MS - 1);
    await titles(b);
    expect(b.cache.stats).toMatchObject({ reads: 1, hits: 1 });
    b.age(1);
    expect(await titles(b)).toEqual(["one"]);
    expect(b.cache.stats).toMatchObject({ reads: 2, hits: 1 });
  });

  it("does not cache window lists or pages", async () => {
    await call(a, "POST", "/api/v1/todos", { title: "one", deadline_at: "2026-03-11T00:00:00" });
    await titles(b, "?window=7");
    await titles(b, "?limit=1");
    expect(b.cache.stats).toMatchObject({ reads: 0, hits: 0 });
  });

  if (backend === "postgres") {
    /** Writes through the repository in a transaction the test holds open until `commit()`. */
    function heldTransaction(write: (trx: TodoDb) => Promise<unknown>) {
      let commit!: () => void;
      const released = new Promise<void>((resolve) => {
        commit = resolve;
      });
      let written!: () => void;
      const wrote = new Promise<void>((resolve) => {
        written = resolve;
      });
      let begin!: () => void;
      const begun = new Promise<void>((resolve) => {
        begin = resolve;
      });
      const done = (shared.database.db as TodoDb).transaction().execute(async (trx) => {
        begin(); // BEGIN has been answered
        await write(trx);
        written();
        await released;
      });
      const release = async () => {
        commit();
        await done;
      };
      return { begun, wrote, commit: release };
    }
    const meta = { correlationId: "held", at: new Date(NOW) };
    const repo = new TodoRepository();

    it("shows a change whose transaction was open (its xid running) across the fill, once it commits", async () => {
      await call(a, "POST", "/api/v1/todos", { title: "one" });
      let xid = "";
      const held = heldTransaction(async (trx) => {
        await repo.update(trx, 1, { title: "held" }, NOW_NAIVE, todoEventEnvelope("TodoUpdated", meta));
        xid =
          (await sql<{ x: string }>`SELECT pg_current_xact_id()::text AS x`.execute(trx)).rows[0]?.x ?? "";
      });
      await held.wrote;
      // A later transaction commits: the snapshot's xmax moves past the open one, which it lists as running
      // (xmin:xmax:xip), so its row's xid is below xmax and only the running list tells it apart.
      await call(a, "POST", "/api/v1/todos", { title: "two" });
      const { rows } = await sql<{ running: boolean }>`
        SELECT ${xid}::xid8 < pg_snapshot_xmax(pg_current_snapshot())
          AND ${xid}::xid8 IN (SELECT pg_snapshot_xip(pg_current_snapshot())) AS running`.execute(
        shared.database.db,
      );
      expect(rows[0]?.running).toBe(true);
      expect(await titles(b)).toEqual(["one", "two"]);
      expect(await titles(b)).toEqual(["one", "two"]);
      expect(b.cache.stats).toMatchObject({ reads: 1, hits: 1 });
      await held.commit();
      expect(await titles(b)).toEqual(["held", "two"]);
    });

    it("shows a create whose transaction began before the fill and wrote after it", async () => {
      await call(a, "POST", "/api/v1/todos", { title: "one" });
      let fill!: () => void;
      const filled = new Promise<void>((resolve) => {
        fill = resolve;
      });
      const held = heldTransaction(async (trx) => {
        await filled;
        await repo.create(
          trx,
          { title: "late", description: null, completed: false, deadlineAt: null },
          NOW_NAIVE,
          todoEventEnvelope("TodoCreated", meta),
        );
      });
      await held.begun;
      expect(await titles(b)).toEqual(["one"]);
      fill();
      await held.wrote;
      expect(await titles(b)).toEqual(["one"]);
      await held.commit();
      expect(await titles(b)).toEqual(["one", "late"]);
    });
  }
});
