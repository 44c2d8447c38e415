import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, type Database, openDatabase } from "@taskoverflow/platform";
import { createTestDatabase } from "@taskoverflow/test-harness";
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
  return { ...loadConfig({ PORT: "0", LOG_LEVEL: "silent", DATA_DIR: "memory" }), ...extra };
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
