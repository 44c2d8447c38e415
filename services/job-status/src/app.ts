import type { PassThrough } from "node:stream";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { awsClients, createSqsConsumer, ensureTopology, type SqsConsumer } from "@taskoverflow/messaging";
import {
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
import {
  defaultEventsHeartbeatMs,
  defaultEventsPollMs,
  defaultJobTimeoutSeconds,
  type JobStatusConfig,
} from "./config.ts";
import { migrations } from "./db/migrations.ts";
import type { JobStatusTables } from "./db/tables.ts";
import { type CalendarFiles, s3CalendarFiles } from "./jobs/calendar-files.ts";
import { httpIssuedJobs, type IssuedJobs } from "./jobs/issued-jobs.ts";
import { createJobChanges, type JobChanges } from "./jobs/job.changes.ts";
import { createJobHandler } from "./jobs/job.handler.ts";
import { JOB_CHANNEL, JobRepository } from "./jobs/job.repository.ts";
import { jobRoutes } from "./jobs/job.routes.ts";
import { createJobTimeouts } from "./jobs/job.timeout.ts";

export type { JobStatusConfig } from "./config.ts";
export { loadConfig } from "./config.ts";

/** What tests (and main.ts) may swap. */
export interface JobStatusOverrides {
  logger?: Logger;
  clock?: { now(): Date };
  s3?: S3Client;
  sns?: SNSClient;
  sqs?: SQSClient;
  issued?: IssuedJobs;
  files?: CalendarFiles;
  consumer?: { visibilityTimeoutSeconds?: number; maxReceiveCount?: number; waitTimeSeconds?: number };
}

export interface JobStatusApp {
  readonly logger: Logger;
  /** Event streams open right now (GET /todos/ical/:id/events). */
  openStreams(): number;
  start(): Promise<{ url: string; port: number }>;
  stop(): Promise<void>;
}

/** Builds the job-status service from a config object; nothing happens until `start()`. */
export function createJobStatusApp(
  config: JobStatusConfig,
  overrides: JobStatusOverrides = {},
): JobStatusApp {
  const logger = overrides.logger ?? createLogger({ service: "job-status", level: config.logLevel });
  const clock = overrides.clock ?? { now: () => new Date() };
  const aws = awsClients(config.aws, overrides);
  let database: Database<JobStatusTables> | undefined;
  let server: RunningServer | undefined;
  let consumer: SqsConsumer | undefined;
  let stopSweeping = () => {};
  let unlisten = async () => {};
  const streams = new Set<PassThrough>();

  async function stop(): Promise<void> {
    const [s, c, d] = [server, consumer, database];
    stopSweeping();
    server = consumer = database = undefined;
    // Open event streams would hold the server's close; their clients reconnect (to another instance).
    for (const stream of streams) stream.end();
    await unlisten();
    await s?.close();
    await c?.stop();
    await d?.close();
    aws.destroy();
  }

  return {
    logger,
    openStreams: () => streams.size,
    stop,
    async start() {
      if (server) return { url: server.url, port: server.port };
      const sqs = aws.sqs;
      try {
        database = await openMigratedDatabase<JobStatusTables>(config, migrations, logger);
        const db = database.db;
        let queueUrl = config.queueUrl;
        if (queueUrl === undefined) {
          const addresses = await ensureTopology({ sns: aws.sns, sqs }, { prefix: config.topologyPrefix });
          queueUrl = addresses.queues["job-status"].url;
        }
        const jobs = new JobRepository();
        const changeLog = logger.child({ component: "job-changes" });
        const changes: JobChanges = createJobChanges({
          notifyOthers: (ids) => jobs.notifyChanged(db, ids),
          onNotifyFailed: (err) => changeLog.warn({ err }, "NOTIFY failed; other instances' streams poll"),
        });
        // Before the consumer starts: on PGlite's single session a LISTEN must not land inside a transaction.
        unlisten = await database.listen(JOB_CHANNEL, (jobId) => changes.heard(jobId));
        consumer = createSqsConsumer({
          sqs,
          queueUrl,
          handler: createJobHandler({
            db,
            jobs,
            clock,
            calendarBucket: config.calendarBucket ?? "taskoverflow-calendars",
            onChanged: changes.changed,
          }),
          log: logger.child({ component: "consumer" }),
          concurrency: config.concurrency,
          ...overrides.consumer,
        });
        await consumer.start();

        const timeoutMs = (config.jobTimeoutSeconds ?? defaultJobTimeoutSeconds) * 1000;
        const timeouts = createJobTimeouts({ db, jobs, clock, timeoutMs, onChanged: changes.changed });
        stopSweeping = timeouts.startSweeping(logger.child({ component: "timeout-sweep" }));

        const files = overrides.files ?? s3CalendarFiles(aws.s3);
        const app = new Koa<RequestState>();
        // An event stream whose client went away ends as a "premature close": nothing is wrong, nobody to tell.
        app.on("error", (err: NodeJS.ErrnoException) => {
          if (err.code === "ERR_STREAM_PREMATURE_CLOSE") logger.debug({ err }, "client left a stream");
          else logger.warn({ err }, "response failed after it started");
        });
        const routes = jobRoutes({
          db,
          jobs,
          issued: overrides.issued ?? httpIssuedJobs(config.todoServiceUrl),
          files,
          timeouts,
          publicUrl: config.publicUrl,
          events: {
            changes,
            heartbeatMs: config.events?.heartbeatMs ?? defaultEventsHeartbeatMs,
            pollMs: config.events?.pollMs ?? defaultEventsPollMs,
          },
          streams,
        });
        app
          .use(requestMiddleware(logger))
          .use(healthRoute())
          .use(routes.routes())
          .use(routes.allowedMethods());
        server = await listen(app, config.port, config.host, logger);
      } catch (err) {
        await stop();
        throw err;
      }
      logger.info({ url: server.url, database: database.kind }, "job-status service listening");
      return { url: server.url, port: server.port };
    },
  };
}
