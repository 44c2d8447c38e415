import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs } from "kysely";
import { createTodoApp, OUTBOX_RETAIN_MS } from "../src/app.ts";
import { createListCache, type ListAnswer, type ListCache } from "../src/todos/todo.list-cache.ts";
import { type TodoDb, TodoRepository } from "../src/todos/todo.repository.ts";
import {
  type Backend,
  backends,
  client,
  openSharedDatabase,
  type RunningTodo,
  type SharedDatabase,
  testConfig,
} from "./todo.fixture.ts";

/** Holds back the result of the next statement run through it until `release()`: that statement has run. */
class HoldNextResult implements KyselyPlugin {
  #armed = false;
  #release: (() => void) | undefined;
  #arrived: (() => void) | undefined;

  arm(): { arrived: Promise<void>; release(): void } {
    this.#armed = true;
    const arrived = new Promise<void>((resolve) => {
      this.#arrived = resolve;
    });
    const released = new Promise<void>((resolve) => {
      this.#release = resolve;
    });
    this.#held = released;
    return { arrived, release: () => this.#release?.() };
  }

  #held: Promise<void> = Promise.resolve();

  transformQuery(args: PluginTransformQueryArgs) {
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs) {
    if (this.#armed) {
      this.#armed = false;
      this.#arrived?.();
      await this.#held;
    }
    return args.result;
  }
}

const titles = (answer: ListAnswer) =>
  (JSON.parse(answer.body.toString()) as Array<{ title: string }>).map((t) => t.title);

/**
 * Concurrent requests for one list share statements: one in flight per key, and a request that arrives while
 * one is in flight waits for the next, whose snapshot is taken after it arrived (read-your-writes).
 */
describe.each(backends)("the list cache's shared statements on %s", (backend: Backend) => {
  let shared: SharedDatabase;
  let writer: { request: RunningTodo["request"]; stop(): Promise<void> };
  let cache: ListCache;
  let db: TodoDb;

  beforeAll(async () => {
    shared = await openSharedDatabase(backend);
  });
  afterAll(async () => shared.close());
  beforeEach(async () => {
    await shared.reset();
    const app = createTodoApp(testConfig(), { database: shared.database });
    writer = { request: client((await app.start()).url), stop: () => app.stop() };
    db = shared.database.db as TodoDb;
    cache = createListCache(new TodoRepository(), {
      maxBytes: 1 << 20,
      maxAgeMs: 60_000,
      retainPublishedMs: OUTBOX_RETAIN_MS,
    });
    expect((await writer.request("POST", "/api/v1/todos", { title: "one" })).status).toBe(201);
  });
  afterEach(async () => writer?.stop());

  it("answers requests that arrive while a statement is in flight with one next statement", async () => {
    await cache.get(db, {});
    const answers = await Promise.all(Array.from({ length: 10 }, () => cache.get(db, {})));
    expect(new Set(answers.map((a) => a.etag)).size).toBe(1);
    // The fill, the first request's own check, one check for the nine that came while it ran.
    expect(cache.stats).toEqual({ statements: 3, reads: 1, hits: 10 });
  });

  it("does not hand a request the answer of a statement sent before it arrived", async () => {
    await cache.get(db, {});
    const hold = new HoldNextResult();
    const gate = hold.arm();
    const early = cache.get(db.withPlugin(hold), {});
    await gate.arrived; // its statement ran (nothing had changed), its answer is held back
    expect((await writer.request("PUT", "/api/v1/todos/1", { title: "uno" })).status).toBe(200);
    const late = cache.get(db, {});
    gate.release();
    expect(titles(await early)).toEqual(["one"]);
    expect(titles(await late)).toEqual(["uno"]);
    expect(cache.stats).toEqual({ statements: 3, reads: 2, hits: 1 });
  });
});
