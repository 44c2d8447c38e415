import {
  createLogger,
  type Database,
  type Logger,
  listen,
  migrate,
  openDatabase,
  type RequestState,
  type RunningServer,
  requestMiddleware,
} from "@taskoverflow/platform";
import Koa from "koa";
import { type Clock, systemClock } from "./clock.ts";
import type { TodoConfig } from "./config.ts";
import { migrations } from "./db/migrations/index.ts";
import type { TodoServiceTables } from "./db/tables.ts";
import type { TodoEvents } from "./todos/todo.events.ts";
import { todoInternalRoutes } from "./todos/todo.internal.routes.ts";
import { outboxTodoEvents } from "./todos/todo.outbox.ts";
import { TodoRepository } from "./todos/todo.repository.ts";
import { todoRoutes } from "./todos/todo.routes.ts";

export type { Clock } from "./clock.ts";
export type { TodoConfig } from "./config.ts";
export { loadConfig } from "./config.ts";

/** What tests (and main.ts) may swap. */
export interface TodoOverrides {
  clock?: Clock;
  logger?: Logger;
  events?: TodoEvents;
  /**
   * An already open database to use instead of opening one from the config; the app migrates it but
   * leaves it open on stop. Tests share one PGlite this way (a fresh PGlite takes seconds to initialise).
   */
  database?: Database<unknown>;
}

export interface TodoApp {
  readonly logger: Logger;
  /** Opens the database, applies migrations, listens; port 0 picks a free port. */
  start(): Promise<{ url: string; port: number }>;
  /** Stops accepting requests, lets in-flight ones finish, closes the database. */
  stop(): Promise<void>;
}

/** Builds the todo service from a config object; nothing happens until `start()`. */
export function createTodoApp(config: TodoConfig, overrides: TodoOverrides = {}): TodoApp {
  const logger = overrides.logger ?? createLogger({ service: "todo", level: config.logLevel });
  const clock = overrides.clock ?? systemClock;
  const events = overrides.events ?? outboxTodoEvents();
  let database: Database<TodoServiceTables> | undefined;
  let server: RunningServer | undefined;

  return {
    logger,
    async start() {
      if (server) return { url: server.url, port: server.port };
      const shared = overrides.database as Database<TodoServiceTables> | undefined;
      database = shared
        ? { ...shared, close: async () => {} }
        : await openDatabase<TodoServiceTables>(
            {
              url: config.databaseUrl,
              dataDir: config.dataDir,
              ...(config.databasePoolSize !== undefined && { poolSize: config.databasePoolSize }),
            },
            logger,
          );
      try {
        await migrate(database.db, migrations, logger);
        const todos = new TodoRepository();
        const app = new Koa<RequestState>();
        app.proxy = true;
        const routes = todoRoutes({ db: database.db, todos, events, clock });
        const internal = todoInternalRoutes(database.db, todos);
        app.use(requestMiddleware(logger));
        app.use(routes.routes()).use(routes.allowedMethods());
        app.use(internal.routes()).use(internal.allowedMethods());
        server = await listen(app, config.port, config.host);
      } catch (err) {
        await database.close();
        database = undefined;
        throw err;
      }
      logger.info({ url: server.url, database: database.kind }, "todo service listening");
      return { url: server.url, port: server.port };
    },
    async stop() {
      const s = server;
      const d = database;
      server = undefined;
      database = undefined;
      await s?.close();
      await d?.close();
    },
  };
}
