import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach } from "@jest/globals";
import { createLogger, type Database, openDatabase } from "@taskoverflow/platform";
import { createTestDatabase, serviceTestEnv } from "@taskoverflow/test-harness";
import { sql } from "kysely";
import { type Clock, createTodoApp, type TodoOverrides } from "../src/app.ts";
import { loadConfig, type TodoConfig } from "../src/config.ts";

export type Backend = "postgres" | "pglite";
export const backends: Backend[] = ["postgres", "pglite"];

/** A clock the test moves by hand. */
export function fixedClock(iso: string): Clock & { set(iso: string): void } {
  let now = new Date(iso);
  return {
    now: () => now,
    set: (next) => {
      now = new Date(next);
    },
  };
}

/** The service's own defaults (its config schema), quiet and on a free port, with a test's changes on top. */
export function testConfig(extra: Partial<TodoConfig> = {}): TodoConfig {
  return { ...loadConfig(serviceTestEnv()), ...extra };
}

/**
 * One database per test file, emptied before each test: a real PostgreSQL database from the harness, or
 * an in-memory PGlite opened exactly as the service opens it (`dataDir: "memory"`).
 */
export interface SharedDatabase {
  backend: Backend;
  database: Database<unknown>;
  /** The PostgreSQL URL when the backend is a server. */
  url: string | undefined;
  /** Drops every table (todos, outbox, migrations): the next app start migrates an empty database. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function openSharedDatabase(backend: Backend): Promise<SharedDatabase> {
  const log = createLogger({ service: "todo-test", level: "silent" });
  const server = backend === "postgres" ? await createTestDatabase() : undefined;
  const database = await openDatabase<unknown>({ url: server?.url, dataDir: "memory" }, log);
  return {
    backend,
    database,
    url: server?.url,
    reset: async () => {
      await sql`DROP SCHEMA public CASCADE`.execute(database.db);
      await sql`CREATE SCHEMA public`.execute(database.db);
    },
    close: async () => {
      await database.close();
      await server?.drop();
    },
  };
}

export interface RunningTodo {
  url: string;
  /** Sends a request; `body` is JSON-encoded unless it is a string. */
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  stop(): Promise<void>;
}

/** Starts the todo service on the shared database after emptying it. */
export async function startTodo(shared: SharedDatabase, overrides: TodoOverrides = {}): Promise<RunningTodo> {
  await shared.reset();
  const app = createTodoApp(testConfig(), { database: shared.database, ...overrides });
  const { url } = await app.start();
  return { url, request: client(url), stop: () => app.stop() };
}

/**
 * The usual life cycle of a describe block: one shared database for the block, a fresh service on the emptied
 * database for each test (with the overrides `overrides()` gives then, e.g. a clock set back). The fields are
 * set by the hooks this registers: read them in tests and later hooks.
 */
export function useTodo(backend: Backend, overrides: () => TodoOverrides = () => ({})) {
  const service = {} as { todo: RunningTodo; shared: SharedDatabase };
  beforeAll(async () => {
    service.shared = await openSharedDatabase(backend);
  });
  afterAll(async () => service.shared?.close());
  beforeEach(async () => {
    service.todo = await startTodo(service.shared, overrides());
  });
  afterEach(async () => service.todo?.stop());
  return service;
}

/** The fixed time of the API tests, as the API writes it back (naive UTC, microseconds), and days from it. */
export const NOW = "2026-03-10T09:30:00.000Z";
export const NOW_NAIVE = "2026-03-10T09:30:00";
export const daysFromNow = (days: number) =>
  new Date(Date.parse(NOW) + days * 86_400_000).toISOString().slice(0, 19);

/** Todo 1 as the API answers it when created at NOW: `fields` over the defaults of a todo with only a title. */
export const storedTodo = (fields: Record<string, unknown>) => ({
  id: 1,
  description: null,
  completed: false,
  deadline_at: null,
  created_at: NOW_NAIVE,
  updated_at: NOW_NAIVE,
  ...fields,
});

/** `useTodo` with a clock fixed at NOW for each test, and the JSON helpers. */
export function useTodoApi(backend: Backend) {
  const clock = fixedClock(NOW);
  const service = useTodo(backend, () => {
    clock.set(NOW);
    return { clock };
  });
  return Object.assign(
    service,
    { clock },
    todoCalls(() => service.todo),
  );
}

/** JSON helpers over a running service, asserting the status each one expects. */
export function todoCalls(service: () => RunningTodo) {
  const get = (path: string) => service().request("GET", path);
  return {
    get,
    create: async (body: Record<string, unknown>) => {
      const res = await service().request("POST", "/api/v1/todos", body);
      if (res.status !== 201)
        throw new Error(`POST /api/v1/todos answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as Record<string, unknown>;
    },
    list: async (query = "") => {
      const res = await get(`/api/v1/todos${query}`);
      if (res.status !== 200) throw new Error(`GET /api/v1/todos${query} answered ${res.status}`);
      return (await res.json()) as Array<Record<string, unknown>>;
    },
    ids: (todos: Array<Record<string, unknown>>) => todos.map((t) => t.id),
  };
}

export function client(url: string): RunningTodo["request"] {
  return (method, path, body, headers = {}) =>
    fetch(`${url}${path}`, {
      method,
      headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
      ...(body !== undefined && { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
}

/** A temporary folder for a PGlite data dir, removed by `remove()`. */
export function tempDataDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "todo-pglite-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
