import {
  awsClients,
  createOutboxRelay,
  createSnsPublisher,
  type EventPublisher,
  ensureTopology,
  type OutboxRelay,
  pgOutboxWakeSource,
  topology,
} from "@taskoverflow/messaging";
import {
  ConfigError,
  createLogger,
  type Database,
  healthRoute,
  type Logger,
  listen,
  migrate,
  openMigratedDatabase,
  type RequestState,
  type RunningServer,
  requestMiddleware,
} from "@taskoverflow/platform";
import Koa from "koa";
import { calendarRequestRoutes } from "./calendar-requests/index.ts";
import { type Clock, systemClock } from "./clock.ts";
import { publishing, type TodoConfig } from "./config.ts";
import { migrations } from "./db/migrations/index.ts";
import type { TodoServiceTables } from "./db/tables.ts";
import { todoInternalRoutes } from "./todos/todo.internal.routes.ts";
import { PRODUCER } from "./todos/todo.outbox.ts";
import { TodoRepository } from "./todos/todo.repository.ts";
import { todoRoutes } from "./todos/todo.routes.ts";

export type { Clock } from "./clock.ts";
export type { TodoConfig } from "./config.ts";
export { loadConfig } from "./config.ts";

/** What tests (and main.ts) may swap. */
export interface TodoOverrides {
  clock?: Clock;
  logger?: Logger;
  /** Event ids (tests make them deterministic, or collide on purpose). */
  newId?: () => string;
  /** Publishes the outbox instead of SNS at `config.topicArn`; a relay runs when either is given. */
  publisher?: EventPublisher;
  /**
   * An already open database to use instead of opening one from the config; the app migrates it but
   * leaves it open on stop. Tests share one PGlite this way (a fresh PGlite takes seconds to initialise).
   */
  database?: Database<unknown>;
}

export interface TodoApp {
  readonly logger: Logger;
  /** Opens the database, applies migrations, starts the outbox relay, listens; port 0 picks a free port. */
  start(): Promise<{ url: string; port: number }>;
  /** Stops accepting requests, lets in-flight ones finish, stops the relay, closes the database. */
  stop(): Promise<void>;
}

/** Builds the todo service from a config object; nothing happens until `start()`. */
export function createTodoApp(config: TodoConfig, overrides: TodoOverrides = {}): TodoApp {
  const logger = overrides.logger ?? createLogger({ service: "todo", level: config.logLevel });
  const clock = overrides.clock ?? systemClock;
  let database: Database<TodoServiceTables> | undefined;
  let server: RunningServer | undefined;
  let relay: OutboxRelay | undefined;
  const aws = awsClients(config.aws);

  async function stop(): Promise<void> {
    const [s, r, d] = [server, relay, database];
    server = relay = database = undefined;
    await s?.close();
    await r?.stop();
    await d?.close();
    aws.destroy();
  }

  async function createPublisher(): Promise<EventPublisher | undefined> {
    if (overrides.publisher) return overrides.publisher;
    const mode = publishing(config);
    if (mode === "none") return undefined;
    const topicArn = mode === "arn" ? config.topicArn : await resolveTopicArn();
    if (topicArn === undefined) return undefined;
    logger.info({ topicArn, resolved: mode === "resolve" }, "publishing the outbox");
    return createSnsPublisher({ sns: aws.sns, topicArn });
  }

  /** The topic by name from the one topology definition, as the consumers find their queues. */
  async function resolveTopicArn(): Promise<string> {
    const prefix = config.topologyPrefix ?? topology.defaultPrefix;
    try {
      return (await ensureTopology({ sns: aws.sns, sqs: aws.sqs }, { prefix })).topicArn;
    } catch (err) {
      const where = config.aws.endpoint ?? `AWS (${config.aws.region})`;
      throw new ConfigError(
        `TOPIC_ARN is not set and the topic could not be resolved by name (TOPOLOGY_PREFIX="${prefix}") at ` +
          `${where}: ${err instanceof Error ? err.message : String(err)}. Set TOPIC_ARN, or AWS_ENDPOINT_URL, ` +
          "AWS_REGION and credentials that reach the topic; the todo service does not run without publishing its events.",
      );
    }
  }

  return {
    logger,
    stop,
    async start() {
      if (server) return { url: server.url, port: server.port };
      try {
        const shared = overrides.database as Database<TodoServiceTables> | undefined;
        if (shared) {
          database = { ...shared, close: async () => {} };
          await migrate(database.db, migrations, logger);
        } else {
          database = await openMigratedDatabase<TodoServiceTables>(config, migrations, logger);
        }
        const db = database.db;

        const publisher = await createPublisher();
        if (publisher) {
          relay = createOutboxRelay({
            db,
            publisher,
            log: logger.child({ component: "outbox-relay" }),
            ...(config.databaseUrl && {
              wakeSource: pgOutboxWakeSource({ connectionString: config.databaseUrl, log: logger }),
            }),
          });
          await relay.start();
        } else {
          logger.warn(
            "embedded defaults without TOPIC_ARN, DATABASE_URL or AWS_ENDPOINT_URL: events are written to the outbox but not published",
          );
        }
        const onCommitted = () => relay?.wake();

        const todos = new TodoRepository();
        const routes = todoRoutes({
          db,
          todos,
          clock,
          onCommitted,
          publicUrl: config.publicUrl,
          ...(overrides.newId && { newId: overrides.newId }),
        });
        const calendar = calendarRequestRoutes({
          db,
          clock,
          producer: PRODUCER,
          onCommitted,
          publicUrl: config.publicUrl,
        });
        const internal = todoInternalRoutes(db, todos);
        const app = new Koa<RequestState>();
        app.proxy = true;
        app.use(requestMiddleware(logger)).use(healthRoute());
        // Calendar first: POST /api/v1/todos/ical must not be taken for a todo route.
        for (const router of [calendar, routes, internal])
          app.use(router.routes()).use(router.allowedMethods());
        server = await listen(app, config.port, config.host, logger);
      } catch (err) {
        await stop();
        throw err;
      }
      logger.info(
        { url: server.url, database: database.kind, publishing: relay !== undefined },
        "todo service listening",
      );
      return { url: server.url, port: server.port };
    },
  };
}
