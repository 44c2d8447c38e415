import { createHash } from "node:crypto";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { DomainEvent, EventOf } from "@taskoverflow/contracts";
import { createSnsPublisher, ensureTopology, type TopologyAddresses } from "@taskoverflow/messaging";
import { createLogger } from "@taskoverflow/platform";
import {
  type AwsEndpoint,
  awsEmulators,
  createTestDatabase,
  type TestDatabase,
  uniqueName,
  waitFor,
} from "@taskoverflow/test-harness";
import ICAL from "ical.js";
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
  let topology: TopologyAddresses;
  let stream: TodoStream;
  let out: ReturnType<typeof collect>;
  const apps: CalendarApp[] = [];
  const databases: TestDatabase[] = [];
  const bucket = uniqueName("calendars");

  async function startApp(
    overrides: Partial<CalendarConfig> = {},
    extra: { store?: ObjectStore; queueUrl?: string } = {},
  ): Promise<CalendarApp> {
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
      queueUrl: extra.queueUrl ?? topology.queues.calendar.url,
      todoServiceUrl: "http://127.0.0.1:9",
      calendarHost: "calendar.test",
      concurrency: 10,
      catchUpWaitMs: 500,
      resyncAfterReceives: 3,
      ...overrides,
    };
    const app = createCalendarApp(config, {
      logger,
      sns,
      sqs,
      s3,
      snapshots: { fetch: async () => stream.snapshot() },
      consumer: { waitTimeSeconds: 1, retryBaseSeconds: 1 },
      ...(extra.store && { store: extra.store }),
    });
    apps.push(app);
    await app.start();
    return app;
  }

  beforeAll(async () => {
    aws = await start();
    const clientConfig = { endpoint: aws.endpoint, region: aws.region, credentials: aws.credentials };
    sns = new SNSClient(clientConfig);
    sqs = new SQSClient(clientConfig);
    s3 = new S3Client({ ...clientConfig, forcePathStyle: true });
    topology = await ensureTopology(
      { sns, sqs },
      { prefix: `${uniqueName("cal")}-`, visibilityTimeoutSeconds: 2, maxReceiveCount: 4 },
    );
    stream = new TodoStream(createSnsPublisher({ sns, topicArn: topology.topicArn }));
    out = collect(sqs, topology.queues["job-status"].url);
  });

  afterAll(async () => {
    for (const app of apps) await app.stop();
    await out?.stop();
    for (const db of databases) await db.drop();
    sns?.destroy();
    sqs?.destroy();
    s3?.destroy();
    await aws?.stop();
  });

  const ready = (jobId: string) =>
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

  it("builds a calendar requested before the todo changes it must include reach it (read-your-writes)", async () => {
    await startApp();
    const a = { id: 101, title: "Alpha, beta; gamma", description: "line1\nline2" };
    const b = { id: 102, title: "Second 🎉", deadlineAt: "2024-07-01T12:00:00.000Z" };
    // The todo changes happen first, but their events are published after the request's.
    const created = [
      await stream.change("TodoCreated", a, { publish: false }),
      await stream.change("TodoCreated", b, { publish: false }),
    ];
    const request = await stream.request();
    const publisher = createSnsPublisher({ sns, topicArn: topology.topicArn });
    await new Promise((r) => setTimeout(r, 200));
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

    const event = await ready(request.payload.jobId);
    expect(out.of(request.payload.jobId).map((e) => e.type)).toContain("CalendarStarted");
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

  it("applies updates and deletes, ignores stale ones, and honours the filters", async () => {
    await stream.change("TodoUpdated", { id: 101, completed: true, title: "Alpha done" });
    await stream.change("TodoCreated", { id: 103, deadlineAt: null, title: "No deadline" });
    await stream.change("TodoCreated", {
      id: 104,
      title: "Far away",
      deadlineAt: "2099-01-01T00:00:00.000Z",
    });
    await stream.change("TodoDeleted", { id: 102 });
    const all = await stream.request();
    const completed = await stream.request({ completed: true });
    const windowed = await stream.request(
      { windowDays: 30 },
      { requestedAt: new Date("2024-05-20T00:00:00Z") },
    );

    const summaries = async (jobId: string) =>
      (await calendarOf(await ready(jobId))).events.map((e) => e.summary);
    expect(await summaries(all.payload.jobId)).toEqual(["Alpha done", "Far away"]);
    expect(await summaries(completed.payload.jobId)).toEqual(["Alpha done"]);
    expect(await summaries(windowed.payload.jobId)).toEqual(["Alpha done"]);
  });

  it("heals a lost todo event from the todo service's snapshot instead of waiting forever", async () => {
    await stream.change("TodoCreated", { id: 105, title: "Lost on the way" }, { publish: false });
    const request = await stream.request();
    const { events } = await calendarOf(await ready(request.payload.jobId));
    expect(events.map((e) => e.summary)).toContain("Lost on the way");
  });

  it("started for the first time against existing todos, produces complete calendars", async () => {
    // A second calendar instance on its own database and queue: its projection starts empty.
    const queue = await ensureTopology(
      { sns, sqs },
      { prefix: `${uniqueName("cal2")}-`, visibilityTimeoutSeconds: 2 },
    );
    await startApp({ topicArn: topology.topicArn }, { queueUrl: queue.queues.calendar.url });
    const request = { ...(await stream.request({}, { hold: true })) };
    const { SendMessageCommand } = await import("@aws-sdk/client-sqs");
    await sqs.send(
      new SendMessageCommand({ QueueUrl: queue.queues.calendar.url, MessageBody: JSON.stringify(request) }),
    );
    const got = await waitFor(
      () =>
        out.of(request.payload.jobId).filter((e): e is EventOf<"CalendarReady"> => e.type === "CalendarReady")
          .length >= 1 &&
        out.of(request.payload.jobId).find((e): e is EventOf<"CalendarReady"> => e.type === "CalendarReady"),
      { timeoutMs: 30_000, what: "CalendarReady from the fresh instance" },
    );
    const { events } = await calendarOf(got);
    expect(events.map((e) => e.summary)).toEqual(["Alpha done", "Far away", "Lost on the way"]);
  });

  it("reports CalendarFailed when the calendar cannot be stored, so the job does not stay PENDING", async () => {
    const queue = await ensureTopology(
      { sns, sqs },
      { prefix: `${uniqueName("cal3")}-`, visibilityTimeoutSeconds: 1, maxReceiveCount: 2 },
    );
    const broken: ObjectStore = {
      bucket,
      put: async () => {
        throw new Error("S3 is down");
      },
      get: async () => {
        throw new Error("S3 is down");
      },
    };
    await startApp({}, { store: broken, queueUrl: queue.queues.calendar.url });
    const request = await stream.request({}, { hold: true });
    const { SendMessageCommand } = await import("@aws-sdk/client-sqs");
    await sqs.send(
      new SendMessageCommand({ QueueUrl: queue.queues.calendar.url, MessageBody: JSON.stringify(request) }),
    );
    const failed = await waitFor(
      () =>
        out
          .of(request.payload.jobId)
          .find((e): e is EventOf<"CalendarFailed"> => e.type === "CalendarFailed"),
      { timeoutMs: 30_000, what: "CalendarFailed" },
    );
    expect(failed.payload.reason).not.toContain("S3 is down");
    expect(out.of(request.payload.jobId).some((e: DomainEvent) => e.type === "CalendarReady")).toBe(false);
  });
});
