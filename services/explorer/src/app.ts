import type { SNSClient } from "@aws-sdk/client-sns";
import type { SQSClient } from "@aws-sdk/client-sqs";
import {
  awsClients,
  createSqsConsumer,
  ensureTopology,
  planTopology,
  type SqsConsumer,
} from "@taskoverflow/messaging";
import {
  createLogger,
  type Database,
  healthRoute,
  type Logger,
  lateErrorLogger,
  listen,
  openMigratedDatabase,
  type RequestState,
  type RunningServer,
  requestMiddleware,
} from "@taskoverflow/platform";
import Koa from "koa";
import { tokenMiddleware } from "./auth/token.middleware.ts";
import type { ExplorerConfig } from "./config.ts";
import { migrations } from "./db/migrations.ts";
import type { ExplorerTables } from "./db/tables.ts";
import { createEventHandler } from "./events/event.handler.ts";
import { EventRepository } from "./events/event.repository.ts";
import { createRetentionSweep } from "./events/event.retention.ts";
import { EXPLORER_PREFIX, eventRoutes } from "./events/event.routes.ts";
import { createLiveFeed } from "./events/live.feed.ts";
import { createQueueInspector } from "./queues/queue.inspector.ts";
import { queueRoutes } from "./queues/queue.routes.ts";

export type { ExplorerConfig } from "./config.ts";
export { loadConfig } from "./config.ts";

/** What tests (and main.ts) may swap. */
export interface ExplorerOverrides {
  logger?: Logger;
  clock?: { now(): Date };
  sns?: SNSClient;
  sqs?: SQSClient;
  consumer?: { visibilityTimeoutSeconds?: number; maxReceiveCount?: number; waitTimeSeconds?: number };
}

export interface ExplorerApp {
  readonly logger: Logger;
  start(): Promise<{ url: string; port: number }>;
  stop(): Promise<void>;
  /** Runs the retention sweep once now (tests; the timer runs it every EXPLORER_SWEEP_INTERVAL_SECONDS). */
  sweep(): Promise<{ events: number; inbox: number }>;
}

/** Builds the explorer from a config object; nothing happens until `start()`. */
export function createExplorerApp(config: ExplorerConfig, overrides: ExplorerOverrides = {}): ExplorerApp {
  const logger = overrides.logger ?? createLogger({ service: "explorer", level: config.logLevel });
  const clock = overrides.clock ?? { now: () => new Date() };
  const aws = awsClients(config.aws, overrides);
  const plan = planTopology({ prefix: config.topologyPrefix });
  const events = new EventRepository();
  const feed = createLiveFeed();
  let database: Database<ExplorerTables> | undefined;
  let server: RunningServer | undefined;
  let consumer: SqsConsumer | undefined;
  let stopSweeping = () => {};
  let closing = new AbortController();

  async function stop(): Promise<void> {
    const [s, c, d] = [server, consumer, database];
    stopSweeping();
    closing.abort();
    closing = new AbortController();
    server = consumer = database = undefined;
    await s?.close();
    await c?.stop();
    await d?.close();
    aws.destroy();
  }

  const sweepOf = (db: Database<ExplorerTables>) =>
    createRetentionSweep({ db: db.db, events, clock, retention: config.retention });

  return {
    logger,
    stop,
    async sweep() {
      if (!database) throw new Error("explorer not started");
      return sweepOf(database).sweepOnce();
    },
    async start() {
      if (server) return { url: server.url, port: server.port };
      try {
        database = await openMigratedDatabase<ExplorerTables>(config, migrations, logger);
        const db = database.db;
        let queueUrl = config.queueUrl;
        if (queueUrl === undefined) {
          const addresses = await ensureTopology(
            { sns: aws.sns, sqs: aws.sqs },
            { prefix: config.topologyPrefix },
          );
          queueUrl = addresses.queues.explorer.url;
        }
        consumer = createSqsConsumer({
          sqs: aws.sqs,
          queueUrl,
          handler: createEventHandler({
            db,
            events,
            plan,
            summaryBytes: config.summaryBytes,
            clock,
            recorded: feed.notify,
          }),
          log: logger.child({ component: "consumer" }),
          concurrency: config.concurrency,
          ...(config.gatherMs !== undefined && { gatherMs: config.gatherMs }),
          ...overrides.consumer,
        });
        await consumer.start();
        stopSweeping = sweepOf(database).start(logger.child({ component: "retention-sweep" }));

        const inspector = createQueueInspector({
          sqs: aws.sqs,
          plan,
          redriveMode: config.redriveMode,
          log: logger.child({ component: "queues" }),
        });
        const app = new Koa<RequestState>();
        app.on("error", lateErrorLogger(logger));
        const routes = [
          eventRoutes({ db, events, feed, closing: closing.signal }),
          queueRoutes({ inspector, topicName: plan.topicName }),
        ];
        const auth = tokenMiddleware(config.token);
        app.use(requestMiddleware(logger)).use(healthRoute());
        app.use((ctx, next) => (ctx.path.startsWith(EXPLORER_PREFIX) ? auth(ctx, next) : next()));
        for (const r of routes) app.use(r.routes()).use(r.allowedMethods());
        server = await listen(app, config.port, config.host, logger);
      } catch (err) {
        await stop();
        throw err;
      }
      logger.info(
        { url: server.url, database: database.kind, protected: config.token !== undefined },
        "explorer listening",
      );
      return { url: server.url, port: server.port };
    },
  };
}
