import { createHash } from "node:crypto";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { DomainEvent, EventOf } from "@taskoverflow/contracts";
import { createSnsPublisher, ensureTopology } from "@taskoverflow/messaging";
import { createLogger, type Logger, openDatabase } from "@taskoverflow/platform";
import {
  type AwsEndpoint,
  awsEmulators,
  createTestDatabase,
  type TestDatabase,
  uniqueName,
  waitFor,
} from "@taskoverflow/test-harness";
import ICAL from "ical.js";
import { sql } from "kysely";
import { type CalendarApp, type CalendarConfig, createCalendarApp } from "../src/app.ts";
import type { ObjectStore } from "../src/calendar/object-store.ts";
import { collect, TodoStream } from "./todo-stream.ts";

const logger = createLogger({
  service: "calendar-test",
  level: process.env.TEST_LOG_LEVEL === "debug" ? "debug" : "silent",
});

describe.each(awsEmulators())("calendar service on $name", ({ start }) => {
  let aws: AwsEndpoint;
  let sns: SNSClient;
  let sqs: SQSClient;
  let s3: S3Client;
  const apps: CalendarApp[] = [];
  const databases: TestDatabase[] = [];
  const collectors: Array<ReturnType<typeof collect>> = [];
  const bucket = uniqueName("calendars");

  /** Each test gets its own topic and queues, todo stream and job-status collector: tests are independent. */
  async function world(queue: { visibilityTimeoutSeconds?: number; maxReceiveCount?: number } = {}) {
    const topology = await ensureTopology(
      { sns, sqs },
      { prefix: `${uniqueName("cal")}-`, visibilityTimeoutSeconds: 2, maxReceiveCount: 4, ...queue },
    );
    const stream = new TodoStream(createSnsPublisher({ sns, topicArn: topology.topicArn }));
    const out = collect(sqs, topology.queues["job-status"].url);
    collectors.push(out);
    return { topology, stream, out };
  }
  type World = Awaited<ReturnType<typeof world>>;

  async function startApp(
    { topology, stream }: World,
    overrides: Partial<CalendarConfig> = {},
    extra: { store?: ObjectStore; logger?: Logger } = {},
  ): Promise<{ app: CalendarApp; database: TestDatabase }> {
    const database = await createTestDatabase();
    databases.push(database);
    const config: CalendarConfig = {
      port: 0,
      host: "127.0.0.1",
      logLevel: "silent",
      databaseUrl: database.url,
      dataDir: "memory",
      aws: { endpoint: aws.endpoint, region: aws.region },
      bucket,
      topologyPrefix: "unused-",
      topicArn: topology.topicArn,
      queueUrl: topology.queues.calendar.url,
      todoServiceUrl: "http://127.0.0.1:9",
      calendarHost: "calendar.test",
      concurrency: 10,
      catchUpWaitMs: 500,
      resyncAfterReceives: 3,
      feedRefreshSeconds: 300,
      ...overrides,
    };
    const app = createCalendarApp(config, {
      logger: extra.logger ?? logger,
      sns,
      sqs,
      s3,
      snapshots: { fetch: async () => stream.snapshot() },
      consumer: { waitTimeSeconds: 1, retryBaseSeconds: 1 },
      ...(extra.store && { store: extra.store }),
    });
    apps.push(app);
    await app.start();
    return { app, database };
  }

  beforeAll(async () => {
    aws = await start();
    const clientConfig = { endpoint: aws.endpoint, region: aws.region, credentials: aws.credentials };
    sns = new SNSClient(clientConfig);
    sqs = new SQSClient(clientConfig);
    s3 = new S3Client({ ...clientConfig, forcePathStyle: true });
  });

  afterAll(async () => {
    for (const app of apps) await app.stop();
    for (const out of collectors) await out.stop();
    for (const db of databases) await db.drop();
    sns?.destroy();
    sqs?.destroy();
    s3?.destroy();
    await aws?.stop();
  });

  const ready = ({ out }: World, jobId: string) =>
    waitFor(() => out.of(jobId).find((e): e is EventOf<"CalendarReady"> => e.type === "CalendarReady"), {
      timeoutMs: 30_000,
      what: `CalendarReady for ${jobId}`,
    });

  async function calendarOf(event: EventOf<"CalendarReady">) {
    const got = await s3.send(new GetObjectCommand({ Bucket: event.payload.bucket, Key: event.payload.key }));
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

  it("builds a calendar requested before the todo changes it must include reach it (read-your-writes)", async () => {
    const w = await world();
    const { stream } = w;
    const lines: string[] = [];
    const capture = createLogger({
      service: "calendar-test",
      level: "debug",
      destination: { write: (line: string) => void lines.push(line) },
    });
    const { database } = await startApp(w, {}, { logger: capture });
    await waitFor(() => isInitialised(database), { what: "the projection to be seeded" });
    const a = { id: 101, title: "Alpha, beta; gamma", description: "line1\nline2" };
    const b = { id: 102, title: "Second 🎉", deadlineAt: "2024-07-01T12:00:00.000Z" };
    // The todo changes commit first, but their events are held back until the calendar has the request.
    const created = [
      await stream.change("TodoCreated", a, { publish: false }),
      await stream.change("TodoCreated", b, { publish: false }),
    ];
    const request = await stream.request();
    await waitFor(() => hasSeen(database, request.sequence), { what: "the calendar to see the request" });
    await waitFor(
      () =>
        lines.some((l) => l.includes(request.payload.jobId) && l.includes("waits for earlier todo changes")),
      { what: "the barrier to hold the request back" },
    );
    // Nothing from the calendar yet: it is waiting (the job-status queue does get the request itself).
    expect(w.out.of(request.payload.jobId).filter((e) => e.producer === "calendar")).toEqual([]);
    const publisher = createSnsPublisher({ sns, topicArn: w.topology.topicArn });
    await publisher.publish(
      created.map((todo, i) => ({
        id: crypto.randomUUID(),
        type: "TodoCreated" as const,
        version: 1 as const,
        occurredAt: new Date().toISOString(),
        correlationId: "test",
        producer: "todo",
        sequence: request.sequence - created.length + i,
        payload: { todo },
      })),
    );

    const event = await ready(w, request.payload.jobId);
    expect(w.out.of(request.payload.jobId).map((e) => e.type)).toContain("CalendarStarted");
    const { text, events, contentType } = await calendarOf(event);
    expect(contentType).toContain("text/calendar");
    expect(event.payload).toMatchObject({
      bucket,
      key: `calendars/${request.payload.jobId}.ics`,
      eventCount: 2,
    });
    expect(event.payload.size).toBe(Buffer.byteLength(text, "utf8"));
    expect(event.payload.sha256).toBe(createHash("sha256").update(text, "utf8").digest("hex"));
    expect(events.map((e) => [e.uid, e.summary, e.description])).toEqual([
      ["todo-101@calendar.test", a.title, a.description],
      ["todo-102@calendar.test", b.title, null],
    ]);
    expect(events[1]?.startDate.toJSDate().toISOString()).toBe(b.deadlineAt);
  });

  /** A stream with two todos already applied by a running calendar. */
  async function withTwoTodos() {
    const w = await world();
    const started = await startApp(w);
    await w.stream.change("TodoCreated", { id: 101, title: "Alpha" });
    await w.stream.change("TodoCreated", { id: 102, title: "Beta" });
    await ready(w, (await w.stream.request()).payload.jobId);
    return { w, ...started };
  }

  it("applies updates and deletes, ignores stale ones, and honours the filters", async () => {
    const { w } = await withTwoTodos();
    const { stream } = w;
    await stream.change("TodoUpdated", { id: 101, completed: true, title: "Alpha done" });
    await stream.change("TodoCreated", { id: 103, deadlineAt: null, title: "No deadline" });
    await stream.change("TodoCreated", {
      id: 104,
      title: "Far away",
      deadlineAt: "2099-01-01T00:00:00.000Z",
    });
    await stream.change("TodoDeleted", { id: 102 });
    // A stale copy of todo 101 (version 1), redelivered late: it must not undo the update.
    await stream.replay(101, 1);
    const all = await stream.request();
    const completed = await stream.request({ completed: true });
    const windowed = await stream.request(
      { windowDays: 30 },
      { requestedAt: new Date("2024-05-20T00:00:00Z") },
    );

    const summaries = async (jobId: string) =>
      (await calendarOf(await ready(w, jobId))).events.map((e) => e.summary);
    expect(await summaries(all.payload.jobId)).toEqual(["Alpha done", "Far away"]);
    expect(await summaries(completed.payload.jobId)).toEqual(["Alpha done"]);
    expect(await summaries(windowed.payload.jobId)).toEqual(["Alpha done"]);
  });

  it("heals a lost todo event from the todo service's snapshot instead of waiting forever", async () => {
    const { w } = await withTwoTodos();
    await w.stream.change("TodoCreated", { id: 105, title: "Lost on the way" }, { publish: false });
    const request = await w.stream.request();
    const { events } = await calendarOf(await ready(w, request.payload.jobId));
    expect(events.map((e) => e.summary)).toEqual(["Alpha", "Beta", "Lost on the way"]);
  });

  it("started for the first time against existing todos, produces complete calendars", async () => {
    const w = await world();
    // The todos exist before the calendar ever ran; their events are long gone.
    await w.stream.change("TodoCreated", { id: 201, title: "Existing one" }, { publish: false });
    await w.stream.change("TodoCreated", { id: 202, title: "Existing two" }, { publish: false });
    await w.stream.change("TodoDeleted", { id: 201 }, { publish: false });
    await startApp(w);
    const request = await w.stream.request();
    const { events } = await calendarOf(await ready(w, request.payload.jobId));
    expect(events.map((e) => e.summary)).toEqual(["Existing two"]);
  });

  it("reports CalendarFailed when the calendar cannot be stored, so the job does not stay PENDING", async () => {
    const w = await world({ visibilityTimeoutSeconds: 1, maxReceiveCount: 2 });
    const broken: ObjectStore = {
      bucket,
      put: async () => {
        throw new Error("S3 is down");
      },
      get: async () => {
        throw new Error("S3 is down");
      },
    };
    await startApp(w, {}, { store: broken });
    const request = await w.stream.request();
    const failed = await waitFor(
      () =>
        w.out
          .of(request.payload.jobId)
          .find((e): e is EventOf<"CalendarFailed"> => e.type === "CalendarFailed"),
      { timeoutMs: 30_000, what: "CalendarFailed" },
    );
    expect(failed.payload.reason).not.toContain("S3 is down");
    expect(w.out.of(request.payload.jobId).some((e: DomainEvent) => e.type === "CalendarReady")).toBe(false);
  });
});
