import { randomUUID } from "node:crypto";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { SQSClient } from "@aws-sdk/client-sqs";
import {
  awsClients,
  createOutboxRelay,
  createSnsPublisher,
  createSqsConsumer,
  ensureTopology,
  type OutboxRelay,
  pgOutboxWakeSource,
  type SqsConsumer,
} from "@taskoverflow/messaging";
import {
  ConfigError,
  createLogger,
  type Database,
  healthRoute,
  type Logger,
  listen,
  openMigratedDatabase,
  type RequestState,
  type RunningServer,
  requestMiddleware,
} from "@taskoverflow/platform";
import Koa from "koa";
import { createReadYourWritesBarrier } from "./calendar/calendar.barrier.ts";
import { feedFrame } from "./calendar/calendar.builder.ts";
import { createCalendarHandler } from "./calendar/calendar.handler.ts";
import { createCalendarJob } from "./calendar/calendar.job.ts";
import { outboxJobEvents } from "./calendar/calendar.outbox.ts";
import type { ObjectStore } from "./calendar/object-store.ts";
import { s3ObjectStore } from "./calendar/s3.object-store.ts";
import type { CalendarConfig } from "./config.ts";
import { migrations } from "./db/migrations.ts";
import type { CalendarTables } from "./db/tables.ts";
import { createFeedRefresher, FEED_CHANNEL, type FeedRefresher } from "./feed/feed.refresher.ts";
import { feedRoutes } from "./feed/feed.routes.ts";
import { FeedStore } from "./feed/feed.store.ts";
import { createTodoProjector } from "./todos/todo.projector.ts";
import { TodoProjectionRepository } from "./todos/todo.repository.ts";
import { httpTodoSnapshotSource, type TodoSnapshotSource } from "./todos/todo.snapshot.ts";

export type { CalendarConfig } from "./config.ts";
export { loadConfig } from "./config.ts";

/** What tests (and main.ts) may swap. */
export interface CalendarOverrides {
  logger?: Logger;
  clock?: { now(): Date };
  newId?: () => string;
  /** AWS clients (tests pass ones pointed at an emulator with credentials). */
  s3?: S3Client;
  sns?: SNSClient;
  sqs?: SQSClient;
  store?: ObjectStore;
  snapshots?: TodoSnapshotSource;
  /** Consumer tuning for tests (short visibility timeouts, fewer receives). */
  consumer?: {
    visibilityTimeoutSeconds?: number;
    maxReceiveCount?: number;
    waitTimeSeconds?: number;
    retryBaseSeconds?: number;
  };
}

export interface CalendarApp {
  readonly logger: Logger;
  /** Opens the database, migrates, resolves the topology, seeds the projection, consumes, listens. */
  start(): Promise<{ url: string; port: number }>;
  stop(): Promise<void>;
}

/** Builds the calendar service from a config object; nothing happens until `start()`. */
export function createCalendarApp(config: CalendarConfig, overrides: CalendarOverrides = {}): CalendarApp {
  const logger = overrides.logger ?? createLogger({ service: "calendar", level: config.logLevel });
  const clock = overrides.clock ?? { now: () => new Date() };
  const aws = awsClients(config.aws, overrides);
  let database: Database<CalendarTables> | undefined;
  let server: RunningServer | undefined;
  let relay: OutboxRelay | undefined;
  let consumer: SqsConsumer | undefined;
  let initialising: Promise<void> | undefined;
  let compaction: NodeJS.Timeout | undefined;
  let feed: FeedRefresher | undefined;

  async function stop(): Promise<void> {
    const [s, c, r, d, f] = [server, consumer, relay, database, feed];
    server = consumer = relay = database = feed = undefined;
    clearInterval(compaction);
    await s?.close();
    await c?.stop();
    await initialising?.catch(() => {});
    await f?.stop();
    await r?.stop();
    await d?.close();
    aws.destroy();
  }

  return {
    logger,
    stop,
    async start() {
      if (server) return { url: server.url, port: server.port };
      const { sqs, sns, s3 } = aws;
      try {
        database = await openMigratedDatabase<CalendarTables>(config, migrations, logger);
        const db = database.db;

        let topicArn = config.topicArn;
        let queueUrl = config.queueUrl;
        if (topicArn === undefined || queueUrl === undefined) {
          const addresses = await ensureTopology({ sns, sqs }, { prefix: config.topologyPrefix }).catch(
            (err) => {
              throw new ConfigError(
                `TOPIC_ARN or CALENDAR_QUEUE_URL is not set and the topology could not be resolved by name ` +
                  `(TOPOLOGY_PREFIX="${config.topologyPrefix}") at ${config.aws.endpoint ?? `AWS (${config.aws.region})`}: ` +
                  `${err instanceof Error ? err.message : String(err)}. Set TOPIC_ARN and CALENDAR_QUEUE_URL, or ` +
                  "AWS_ENDPOINT_URL, AWS_REGION and credentials that reach them.",
              );
            },
          );
          topicArn ??= addresses.topicArn;
          queueUrl ??= addresses.queues.calendar.url;
        }
        let store = overrides.store;
        if (!store) {
          const s3Store = s3ObjectStore(s3, config.bucket);
          await s3Store.ensureBucket();
          store = s3Store;
        }

        relay = createOutboxRelay({
          db,
          publisher: createSnsPublisher({ sns, topicArn }),
          log: logger.child({ component: "outbox-relay" }),
          ...(config.databaseUrl && {
            wakeSource: pgOutboxWakeSource({ connectionString: config.databaseUrl, log: logger }),
          }),
        });
        await relay.start();
        const wake = () => relay?.wake();

        // The subscribed feed: VEVENT bytes in memory, kept in step with the projection (see feed/).
        const frame = feedFrame(config.feedRefreshSeconds);
        const feedStore = new FeedStore(frame);
        const refresher = createFeedRefresher({
          db,
          store: feedStore,
          host: config.calendarHost,
          log: logger.child({ component: "feed" }),
          notifyOthers: config.databaseUrl !== undefined,
          ...(config.databaseUrl && {
            wakeSource: pgOutboxWakeSource({
              connectionString: config.databaseUrl,
              log: logger,
              channel: FEED_CHANNEL,
            }),
          }),
        });
        feed = refresher;
        await refresher.start();

        const projector = createTodoProjector({
          db,
          todos: new TodoProjectionRepository(),
          snapshots: overrides.snapshots ?? httpTodoSnapshotSource(config.todoServiceUrl),
          clock,
          log: logger,
          onApplied: () => refresher.changed(),
        });
        const job = createCalendarJob({
          todos: projector.active,
          store,
          events: outboxJobEvents(db, wake),
          clock,
          newId: overrides.newId ?? randomUUID,
          calendarHost: config.calendarHost,
        });
        const barrier = createReadYourWritesBarrier(projector, {
          catchUpWaitMs: config.catchUpWaitMs,
          resyncAfterReceives: config.resyncAfterReceives,
        });
        const handler = createCalendarHandler({ projector, barrier, job, log: logger });
        // Seeding needs the todo service, which may start after us: it is retried on the first request.
        initialising = projector.initialise().catch((err: unknown) => {
          logger.warn({ err }, "could not seed the projection yet; the first calendar request will retry");
        });
        // The watermark is derived on demand; compacting now and then keeps the applied-sequence rows few.
        compaction = setInterval(() => {
          projector.progress().catch((err: unknown) => logger.warn({ err }, "projection compaction failed"));
        }, 5_000);
        compaction.unref();

        consumer = createSqsConsumer({
          sqs,
          queueUrl,
          handler: handler.handle,
          onExhausted: handler.onExhausted,
          log: logger.child({ component: "consumer" }),
          concurrency: config.concurrency,
          ...overrides.consumer,
        });
        await consumer.start();

        const app = new Koa<RequestState>();
        const feedRouter = feedRoutes(feedStore, clock);
        app.use(requestMiddleware(logger)).use(healthRoute()).use(feedRouter.routes());
        server = await listen(app, config.port, config.host);
      } catch (err) {
        await stop();
        throw err;
      }
      logger.info(
        { url: server.url, database: database.kind, bucket: config.bucket },
        "calendar service listening",
      );
      return { url: server.url, port: server.port };
    },
  };
}
