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
  type Database,
  type Logger,
  migrate,
  openMigratedDatabase,
  type ServiceApp,
  type ServiceOverrides,
  serviceApp,
} from "@taskoverflow/platform";
import { calendarRequestRoutes } from "./calendar-requests/index.ts";
import { type Clock, systemClock } from "./clock.ts";
import { LIST_CACHE_DEFAULT_BYTES, publishing, type TodoConfig } from "./config.ts";
import { migrations } from "./db/migrations/index.ts";
import type { TodoServiceTables } from "./db/tables.ts";
import { todoInternalRoutes } from "./todos/todo.internal.routes.ts";
import { createListCache, LIST_CACHE_MAX_AGE_MS, type ListCache } from "./todos/todo.list-cache.ts";
import { PRODUCER } from "./todos/todo.outbox.ts";
import { TodoRepository } from "./todos/todo.repository.ts";
import { todoRoutes } from "./todos/todo.routes.ts";

export type { Clock } from "./clock.ts";
export type { TodoConfig } from "./config.ts";
export { loadConfig } from "./config.ts";

/** What tests (and main.ts) may swap. */
export interface TodoOverrides extends ServiceOverrides {
  clock?: Clock;
  /** Event ids (tests make them deterministic, or collide on purpose). */
  newId?: () => string;
  /** Publishes the outbox instead of SNS at `config.topicArn`; a relay runs when either is given. */
  publisher?: EventPublisher;
  /**
   * An already open database to use instead of opening one from the config; the app migrates it but
   * leaves it open on stop. Tests share one PGlite this way (a fresh PGlite takes seconds to initialise).
   */
  database?: Database<unknown>;
  /** The list cache to use (tests read its counters); default: one of `config.listCacheBytes`. */
  listCache?: ListCache;
}

/** How long the relay keeps published outbox rows; the list cache's entry age bound is checked against it. */
export const OUTBOX_RETAIN_MS = 24 * 3600_000;

/**
 * `start()` opens the database, applies migrations, starts the outbox relay, listens; `stop()` stops accepting
 * requests, lets in-flight ones finish, stops the relay, closes the database.
 */
export type TodoApp = ServiceApp;

/** Builds the todo service from a config object; nothing happens until `start()`. */
export function createTodoApp(config: TodoConfig, overrides: TodoOverrides = {}): TodoApp {
  const clock = overrides.clock ?? systemClock;
  const aws = awsClients(config.aws);

  async function createPublisher(logger: Logger): Promise<EventPublisher | undefined> {
    if (overrides.publisher) return overrides.publisher;
    const mode = publishing(config);
    if (mode === "none") return undefined;
    const topicArn = mode === "arn" ? config.topicArn : await resolveTopicArn();
    if (topicArn === undefined) return undefined;
    logger.info({ topicArn, resolved: mode === "resolve" }, "publishing the outbox");
    return createSnsPublisher({ sns: aws.sns, topicArn, groupMaxEvents: config.eventGroupMax });
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

  const options = { name: "todo", config, logger: overrides.logger, release: () => aws.destroy() };
  return serviceApp(options, async (onStop, logger) => {
    const shared = overrides.database as Database<TodoServiceTables> | undefined;
    let database: Database<TodoServiceTables>;
    if (shared) {
      database = shared; // the test's own: migrated here, left open on stop
      await migrate(database.db, migrations, logger);
    } else {
      database = await openMigratedDatabase<TodoServiceTables>(config, migrations, logger);
      onStop(() => database.close());
    }
    const db = database.db;

    const publisher = await createPublisher(logger);
    let relay: OutboxRelay | undefined;
    if (publisher) {
      const started = createOutboxRelay({
        db,
        publisher,
        log: logger.child({ component: "outbox-relay" }),
        retainPublishedMs: OUTBOX_RETAIN_MS,
        ...(config.databaseUrl && {
          wakeSource: pgOutboxWakeSource({ connectionString: config.databaseUrl, log: logger }),
        }),
      });
      await started.start();
      onStop(() => started.stop());
      relay = started;
    } else {
      logger.warn(
        "embedded defaults without TOPIC_ARN, DATABASE_URL or AWS_ENDPOINT_URL: events are written to the outbox but not published",
      );
    }
    const onCommitted = () => relay?.wake();

    const todos = new TodoRepository();
    const cacheBytes = config.listCacheBytes ?? LIST_CACHE_DEFAULT_BYTES;
    const listCache =
      overrides.listCache ??
      (cacheBytes > 0
        ? createListCache(todos, {
            maxBytes: cacheBytes,
            maxAgeMs: LIST_CACHE_MAX_AGE_MS,
            retainPublishedMs: OUTBOX_RETAIN_MS,
          })
        : undefined);
    const routes = todoRoutes({
      db,
      todos,
      clock,
      onCommitted,
      publicUrl: config.publicUrl,
      listCache,
      ...(overrides.newId && { newId: overrides.newId }),
    });
    const calendar = calendarRequestRoutes({
      db,
      clock,
      producer: PRODUCER,
      onCommitted,
      publicUrl: config.publicUrl,
    });
    return {
      proxy: true,
      // Calendar first: POST /api/v1/todos/ical must not be taken for a todo route.
      routers: [calendar, routes, todoInternalRoutes(db, todos)],
      info: { database: database.kind, publishing: relay !== undefined },
    };
  });
}
