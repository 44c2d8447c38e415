// The calendar int tests' fixture: an emulator and its clients for the describe block, a world per test (its own
// topology, todo stream and job-status collector), calendar services on test databases, and what the tests read.
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll } from "@jest/globals";
import type { EventOf, EventType } from "@taskoverflow/contracts";
import { createSnsPublisher, ensureTopology, type TopologyAddresses } from "@taskoverflow/messaging";
import { createLogger, type Logger, openDatabase } from "@taskoverflow/platform";
import {
  type AwsEndpoint,
  clientsFor,
  createTestDatabase,
  type EndpointClients,
  serviceTestEnv,
  type TestDatabase,
  uniqueName,
  waitFor,
} from "@taskoverflow/test-harness";
import ICAL from "ical.js";
import { sql } from "kysely";
import { type CalendarApp, type CalendarConfig, createCalendarApp, loadConfig } from "../src/app.ts";
import type { ObjectStore } from "../src/calendar/object-store.ts";
import { collect, TodoStream } from "./todo-stream.ts";

export const logger = createLogger({
  service: "calendar-test",
  level: process.env.TEST_LOG_LEVEL === "debug" ? "debug" : "silent",
});

/** The service's own defaults (its config schema), quiet and on a free port, with a test's changes on top. */
export function testConfig(changes: Partial<CalendarConfig> = {}): CalendarConfig {
  const env = serviceTestEnv({ TODO_SERVICE_URL: "http://127.0.0.1:9", CALENDAR_HOST: "calendar.test" });
  return { ...loadConfig(env), ...changes };
}

/** One test's own topic and queues, todo stream and collector of what the calendar emitted. */
export interface World {
  topology: TopologyAddresses;
  stream: TodoStream;
  out: ReturnType<typeof collect>;
}

export function useCalendarWorld(start: () => Promise<AwsEndpoint>) {
  let aws: AwsEndpoint;
  let clients: EndpointClients;
  const apps: CalendarApp[] = [];
  const databases: TestDatabase[] = [];
  const collectors: Array<ReturnType<typeof collect>> = [];
  const bucket = uniqueName("calendars");

  /** Each test gets its own topic and queues, todo stream and job-status collector: tests are independent. */
  async function world(
    queue: { visibilityTimeoutSeconds?: number; maxReceiveCount?: number } = {},
  ): Promise<World> {
    const topology = await ensureTopology(
      { sns: clients.sns, sqs: clients.sqs },
      { prefix: `${uniqueName("cal")}-`, visibilityTimeoutSeconds: 2, maxReceiveCount: 4, ...queue },
    );
    const stream = new TodoStream(createSnsPublisher({ sns: clients.sns, topicArn: topology.topicArn }));
    const out = collect(clients.sqs, topology.queues["job-status"].url);
    collectors.push(out);
    return { topology, stream, out };
  }

  async function startApp(
    { topology, stream }: World,
    overrides: Partial<CalendarConfig> = {},
    /** `database`: share another instance's database (several instances, one queue). */
    extra: { store?: ObjectStore; logger?: Logger; database?: TestDatabase } = {},
  ): Promise<{ app: CalendarApp; database: TestDatabase; url: string }> {
    let database = extra.database;
    if (!database) {
      database = await createTestDatabase();
      databases.push(database);
    }
    const config = testConfig({
      databaseUrl: database.url,
      aws: { endpoint: aws.endpoint, region: aws.region },
      bucket,
      topicArn: topology.topicArn,
      queueUrl: topology.queues.calendar.url,
      catchUpWaitMs: 500,
      resyncAfterReceives: 3,
      feedRefreshSeconds: 300,
      ...overrides,
    });
    const app = createCalendarApp(config, {
      logger: extra.logger ?? logger,
      sns: clients.sns,
      sqs: clients.sqs,
      s3: clients.s3,
      snapshots: { fetch: async () => stream.snapshot() },
      consumer: { waitTimeSeconds: 1, retryBaseSeconds: 1 },
      ...(extra.store && { store: extra.store }),
    });
    apps.push(app);
    const { url } = await app.start();
    return { app, database, url };
  }

  beforeAll(async () => {
    aws = await start();
    clients = clientsFor(aws);
  });

  afterAll(async () => {
    for (const app of apps) await app.stop();
    for (const out of collectors) await out.stop();
    for (const db of databases) await db.drop();
    clients?.destroy();
    await aws?.stop();
  });

  /** The first `type` event the calendar service sent about the job (to the job-status queue). */
  const outcome = <T extends EventType>({ out }: World, jobId: string, type: T) =>
    waitFor(() => out.of(jobId).find((e): e is EventOf<T> => e.type === type), {
      timeoutMs: 30_000,
      what: `${type} for ${jobId}`,
    });
  const ready = (w: World, jobId: string) => outcome(w, jobId, "CalendarReady");

  async function calendarOf(event: EventOf<"CalendarReady">) {
    const got = await clients.s3.send(
      new GetObjectCommand({ Bucket: event.payload.bucket, Key: event.payload.key }),
    );
    const text = (await got.Body?.transformToString("utf-8")) ?? "";
    const component = new ICAL.Component(ICAL.parse(text));
    const events = component.getAllSubcomponents("vevent").map((v) => new ICAL.Event(v));
    return { text, events, contentType: got.ContentType };
  }

  /** Whether the calendar's projection has recorded `sequence` (the barrier saw the request). */
  const hasSeen = (database: TestDatabase, sequence: number) =>
    exists(
      database,
      sql`SELECT 1 FROM todo_stream_applied WHERE sequence = ${sequence}
          UNION ALL SELECT 1 FROM projection_progress WHERE watermark >= ${sequence}`,
    );
  /** Whether the projection was seeded from the snapshot (so later changes can only arrive as events). */
  const isInitialised = (database: TestDatabase) =>
    exists(database, sql`SELECT 1 FROM projection_progress WHERE initialised_at IS NOT NULL`);

  async function exists(database: TestDatabase, query: ReturnType<typeof sql>): Promise<boolean> {
    const { db, close } = await openDatabase<unknown>({ url: database.url, dataDir: "memory" }, logger);
    try {
      return (await query.execute(db)).rows.length > 0;
    } finally {
      await close();
    }
  }

  /** A stream with two todos already applied by a running calendar. */
  async function withTwoTodos() {
    const w = await world();
    const started = await startApp(w);
    await w.stream.change("TodoCreated", { id: 101, title: "Alpha" });
    await w.stream.change("TodoCreated", { id: 102, title: "Beta" });
    await ready(w, (await w.stream.request()).payload.jobId);
    return { w, ...started };
  }

  return {
    world,
    startApp,
    outcome,
    ready,
    calendarOf,
    hasSeen,
    isInitialised,
    withTwoTodos,
    bucket,
    clients: () => clients,
  };
}
