import { randomUUID } from "node:crypto";
import type { PassThrough } from "node:stream";
import {
  awsClients,
  ensureTopology,
  type GivenAwsClients,
  type SqsConsumerOptions,
  startServiceConsumer,
} from "@taskoverflow/messaging";
import {
  lateErrorLogger,
  openMigratedDatabase,
  type ServiceApp,
  type ServiceOverrides,
  serviceApp,
} from "@taskoverflow/platform";
import {
  defaultEventsHeartbeatMs,
  defaultEventsPollMs,
  defaultJobStatusGatherMs,
  defaultJobTimeoutSeconds,
  defaultStatusWaitMaxMs,
  defaultUnheardWaitMs,
  type JobStatusConfig,
} from "./config.ts";
import { migrations } from "./db/migrations.ts";
import type { JobStatusTables } from "./db/tables.ts";
import { type CalendarFiles, s3CalendarFiles } from "./jobs/calendar-files.ts";
import { finishedCalendars } from "./jobs/finished-calendars.ts";
import { httpIssuedJobs, type IssuedJobs, rememberIssued } from "./jobs/issued-jobs.ts";
import { createJobChanges, type JobChanges } from "./jobs/job.changes.ts";
import { createJobHandler } from "./jobs/job.handler.ts";
import { JOB_CHANNEL, JobRepository, parseJobNotification } from "./jobs/job.repository.ts";
import { jobRoutes } from "./jobs/job.routes.ts";
import { createJobTimeouts } from "./jobs/job.timeout.ts";

export type { JobStatusConfig } from "./config.ts";
export { loadConfig } from "./config.ts";

/** What tests (and main.ts) may swap; AWS clients too (tests pass ones pointed at an emulator). */
export interface JobStatusOverrides extends ServiceOverrides, GivenAwsClients {
  issued?: IssuedJobs;
  files?: CalendarFiles;
  consumer?: Pick<SqsConsumerOptions, "visibilityTimeoutSeconds" | "maxReceiveCount" | "waitTimeSeconds">;
}

export interface JobStatusApp extends ServiceApp {
  /** Event streams open right now (GET /todos/ical/:id/events). */
  openStreams(): number;
  /**
   * Event streams, held `Prefer: wait` status requests and requests waiting for a job's first event, listening
   * for job changes right now.
   */
  watchers(): number;
}

/** Builds the job-status service from a config object; nothing happens until `start()`. */
export function createJobStatusApp(
  config: JobStatusConfig,
  overrides: JobStatusOverrides = {},
): JobStatusApp {
  const clock = overrides.clock ?? { now: () => new Date() };
  const aws = awsClients(config.aws, overrides);

  const streams = new Set<PassThrough>();
  let watchers = () => 0;

  const options = { name: "job-status", config, logger: overrides.logger, release: () => aws.destroy() };
  const app = serviceApp(options, async (onStop, logger) => {
    const sqs = aws.sqs;
    const database = await openMigratedDatabase<JobStatusTables>(config, migrations, logger);
    onStop(() => database.close());
    const db = database.db;
    let queueUrl = config.queueUrl;
    if (queueUrl === undefined) {
      const addresses = await ensureTopology({ sns: aws.sns, sqs }, { prefix: config.topologyPrefix });
      queueUrl = addresses.queues["job-status"].url;
    }
    const jobs = new JobRepository();
    const files = overrides.files ?? s3CalendarFiles(aws.s3);
    const finished = finishedCalendars(files);
    const stopping = new AbortController();
    const changeLog = logger.child({ component: "job-changes" });
    const instance = randomUUID();
    const changes: JobChanges = createJobChanges({
      self: instance,
      notifyOthers: (ids) => jobs.notifyChanged(db, ids, instance),
      onNotifyFailed: (err) => changeLog.warn({ err }, "NOTIFY failed; other instances' streams poll"),
    });
    watchers = () => changes.watching();
    // Before the consumer starts: on PGlite's single session a LISTEN must not land inside a transaction.
    onStop(
      await database.listen(JOB_CHANNEL, (payload) => {
        const { jobId, sender } = parseJobNotification(payload);
        changes.heard(jobId, sender);
      }),
    );
    const consumerConfig = { ...config, gatherMs: config.gatherMs ?? defaultJobStatusGatherMs };
    await startServiceConsumer(onStop, logger, consumerConfig, {
      sqs,
      queueUrl,
      handler: createJobHandler({
        db,
        jobs,
        clock,
        calendarBucket: config.calendarBucket ?? "taskoverflow-calendars",
        onChanged: changes.changed,
        finished,
      }),
      ...overrides.consumer,
    });

    const timeoutMs = (config.jobTimeoutSeconds ?? defaultJobTimeoutSeconds) * 1000;
    const timeouts = createJobTimeouts({ db, jobs, clock, timeoutMs, onChanged: changes.changed });
    const stopSweeping = timeouts.startSweeping(logger.child({ component: "timeout-sweep" }));

    const routes = jobRoutes({
      db,
      jobs,
      issued: rememberIssued(overrides.issued ?? httpIssuedJobs(config.todoServiceUrl)),
      files,
      finished,
      timeouts,
      publicUrl: config.publicUrl,
      events: {
        changes,
        heartbeatMs: config.events?.heartbeatMs ?? defaultEventsHeartbeatMs,
        pollMs: config.events?.pollMs ?? defaultEventsPollMs,
      },
      streams,
      statusWaitMaxMs: config.statusWaitMaxMs ?? defaultStatusWaitMaxMs,
      unheardWaitMs: config.unheardWaitMs ?? defaultUnheardWaitMs,
      stopping: stopping.signal,
    });
    return {
      routers: [routes],
      onError: lateErrorLogger(logger),
      // Open event streams would hold the server's close; their clients reconnect (to another instance).
      beforeClose: () => {
        stopSweeping();
        for (const stream of streams) stream.end();
        // Held `Prefer: wait` status requests answer the state they have now.
        stopping.abort();
      },
      info: { database: database.kind },
    };
  });
  return Object.assign(app, { openStreams: () => streams.size, watchers: () => watchers() });
}
