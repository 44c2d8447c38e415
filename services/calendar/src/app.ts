import { randomUUID } from "node:crypto";
import {
  awsClients,
  createOutboxRelay,
  createSnsPublisher,
  ensureTopology,
  type GivenAwsClients,
  pgOutboxWakeSource,
  type SqsConsumerOptions,
  startServiceConsumer,
} from "@taskoverflow/messaging";
import {
  ConfigError,
  openMigratedDatabase,
  type ServiceApp,
  type ServiceOverrides,
  serviceApp,
} from "@taskoverflow/platform";
import { createReadYourWritesBarrier } from "./calendar/calendar.barrier.ts";
import { feedFrame } from "./calendar/calendar.builder.ts";
import { createCalendarHandler } from "./calendar/calendar.handler.ts";
import { createCalendarJob } from "./calendar/calendar.job.ts";
import { outboxJobEvents } from "./calendar/calendar.outbox.ts";
import { createJobSlots } from "./calendar/calendar.slots.ts";
import type { ObjectStore } from "./calendar/object-store.ts";
import { s3ObjectStore } from "./calendar/s3.object-store.ts";
import type { CalendarConfig } from "./config.ts";
import { migrations } from "./db/migrations.ts";
import type { CalendarTables } from "./db/tables.ts";
import { createFeedRefresher, FEED_CHANNEL } from "./feed/feed.refresher.ts";
import { feedRoutes } from "./feed/feed.routes.ts";
import { FeedStore } from "./feed/feed.store.ts";
import { feedVersionRoutes } from "./feed/feed.version.ts";
import { createTodoProjector } from "./todos/todo.projector.ts";
import { TodoProjectionRepository } from "./todos/todo.repository.ts";
import { httpTodoSnapshotSource, type TodoSnapshotSource } from "./todos/todo.snapshot.ts";

export type { CalendarConfig } from "./config.ts";
export { loadConfig } from "./config.ts";

/** What tests (and main.ts) may swap; AWS clients too (tests pass ones pointed at an emulator). */
export interface CalendarOverrides extends ServiceOverrides, GivenAwsClients {
  newId?: () => string;
  store?: ObjectStore;
  snapshots?: TodoSnapshotSource;
  /** Consumer tuning for tests (short visibility timeouts, fewer receives). */
  consumer?: Pick<
    SqsConsumerOptions,
    "visibilityTimeoutSeconds" | "maxReceiveCount" | "waitTimeSeconds" | "retryBaseSeconds"
  >;
}

/** `start()` opens the database, migrates, resolves the topology, seeds the projection, consumes, listens. */
export type CalendarApp = ServiceApp;

/** Builds the calendar service from a config object; nothing happens until `start()`. */
export function createCalendarApp(config: CalendarConfig, overrides: CalendarOverrides = {}): CalendarApp {
  const clock = overrides.clock ?? { now: () => new Date() };
  const aws = awsClients(config.aws, overrides);

  const options = { name: "calendar", config, logger: overrides.logger, release: () => aws.destroy() };
  return serviceApp(options, async (onStop, logger) => {
    const { sqs, sns, s3 } = aws;
    const database = await openMigratedDatabase<CalendarTables>(config, migrations, logger);
    onStop(() => database.close());
    const db = database.db;

    let topicArn = config.topicArn;
    let queueUrl = config.queueUrl;
    if (topicArn === undefined || queueUrl === undefined) {
      const addresses = await ensureTopology({ sns, sqs }, { prefix: config.topologyPrefix }).catch((err) => {
        throw new ConfigError(
          `TOPIC_ARN or CALENDAR_QUEUE_URL is not set and the topology could not be resolved by name ` +
            `(TOPOLOGY_PREFIX="${config.topologyPrefix}") at ${config.aws.endpoint ?? `AWS (${config.aws.region})`}: ` +
            `${err instanceof Error ? err.message : String(err)}. Set TOPIC_ARN and CALENDAR_QUEUE_URL, or ` +
            "AWS_ENDPOINT_URL, AWS_REGION and credentials that reach them.",
        );
      });
      topicArn ??= addresses.topicArn;
      queueUrl ??= addresses.queues.calendar.url;
    }
    let store = overrides.store;
    if (!store) {
      const s3Store = s3ObjectStore(s3, config.bucket);
      await s3Store.ensureBucket();
      store = s3Store;
    }

    const relay = createOutboxRelay({
      db,
      publisher: createSnsPublisher({ sns, topicArn }),
      log: logger.child({ component: "outbox-relay" }),
      ...(config.databaseUrl && {
        wakeSource: pgOutboxWakeSource({ connectionString: config.databaseUrl, log: logger }),
      }),
    });
    await relay.start();
    onStop(() => relay.stop());

    // The subscribed feed: VEVENT bytes in memory, kept in step with the projection (see feed/).
    const feedStore = new FeedStore(feedFrame(config.feedRefreshSeconds));
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
    await refresher.start();
    onStop(() => refresher.stop());

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
      events: outboxJobEvents(db, () => relay.wake()),
      clock,
      newId: overrides.newId ?? randomUUID,
      calendarHost: config.calendarHost,
    });
    const barrier = createReadYourWritesBarrier(projector, {
      catchUpWaitMs: config.catchUpWaitMs,
      resyncAfterReceives: config.resyncAfterReceives,
    });
    const slots = createJobSlots(config.jobsAtOnce);
    const handler = createCalendarHandler({ projector, barrier, job, slots, log: logger });
    // Seeding needs the todo service, which may start after us: it is retried on the first request.
    const initialising = projector.initialise().catch((err: unknown) => {
      logger.warn({ err }, "could not seed the projection yet; the first calendar request will retry");
    });
    onStop(() => initialising);
    // The watermark is derived on demand; compacting now and then keeps the applied-sequence rows few. Only
    // messages add such rows, so an idle service does no periodic work.
    let handledSinceCompaction = false;
    const compaction = setInterval(() => {
      if (!handledSinceCompaction) return;
      handledSinceCompaction = false;
      projector.progress().catch((err: unknown) => logger.warn({ err }, "projection compaction failed"));
    }, 5_000);
    compaction.unref();
    onStop(() => clearInterval(compaction));

    await startServiceConsumer(onStop, logger, config, {
      sqs,
      queueUrl,
      handler: (event, context) => {
        handledSinceCompaction = true;
        return handler.handle(event, context);
      },
      onExhausted: handler.onExhausted,
      ...overrides.consumer,
    });
    const versions = feedVersionRoutes(feedStore);
    return {
      routesOnly: [feedRoutes(feedStore, clock), versions.router],
      // Open version streams would hold the server's close; the gateways reconnect (to another instance).
      beforeClose: () => versions.close(),
      // A gateway leaving its version stream ends it as a "premature close": expected, nobody to tell.
      onError: (err) => {
        if (err.code === "ERR_STREAM_PREMATURE_CLOSE") logger.debug({ err }, "subscriber left a stream");
        else logger.warn({ err }, "response failed after it started");
      },
      info: { database: database.kind, bucket: config.bucket },
    };
  });
}
