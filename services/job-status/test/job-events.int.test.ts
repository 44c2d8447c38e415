// GET /api/v1/todos/ical/:id/events: a job's states pushed as Server-Sent Events, on real PostgreSQL (and PGlite)
// with the fauxqs emulator. The streams here poll only once a minute, so what reaches them in seconds came by
// the change notification (in process, or NOTIFY from another instance); the fallback poll has its own test.
import type { SNSClient } from "@aws-sdk/client-sns";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { DomainEvent } from "@taskoverflow/contracts";
import { calendarEvents } from "@taskoverflow/contracts/testing";
import {
  createSnsPublisher,
  type EventPublisher,
  ensureTopology,
  type TopologyAddresses,
} from "@taskoverflow/messaging";
import { createLogger, UpstreamError } from "@taskoverflow/platform";
import {
  type AwsEndpoint,
  clientsFor,
  createTestDatabase,
  type EventStream,
  openEventStream,
  startFauxqs,
  type TestDatabase,
  uniqueName,
  waitFor,
} from "@taskoverflow/test-harness";
import pg from "pg";
import { createJobStatusApp, type JobStatusApp, type JobStatusConfig } from "../src/app.ts";
import type { IssuedJobs } from "../src/jobs/issued-jobs.ts";
import { configOn, testConfig } from "./job-status.fixture.ts";

const logger = createLogger({ service: "job-events-test", level: "silent" });
const bucket = "calendars";
/** Streams in these tests re-read their job only once a minute: anything sooner was pushed. */
const noPoll = { heartbeatMs: 60_000, pollMs: 60_000 };
const pushedWithin = 10_000;

describe("job status as Server-Sent Events", () => {
  let aws: AwsEndpoint;
  let sns: SNSClient;
  let sqs: SQSClient;
  let database: TestDatabase;
  let topology: TopologyAddresses;
  let publisher: EventPublisher;
  let app: JobStatusApp;
  let url: string;
  const issued = new Set<string>();
  let todoServiceDown = false;
  const issuedJobs: IssuedJobs = {
    wasIssued: async (id) => {
      if (todoServiceDown) throw new UpstreamError(503, "Task status is temporarily unavailable");
      return issued.has(id) ? { requestedAt: new Date().toISOString() } : undefined;
    },
  };
  const others: JobStatusApp[] = [];

  /** Another instance on the same database (its own, empty queue unless `consume`). */
  async function instance(changes: Partial<JobStatusConfig>, consume = false) {
    const queue = consume
      ? topology
      : await ensureTopology({ sns, sqs }, { prefix: `${uniqueName("jse-idle")}-` });
    const other = createJobStatusApp(
      configOn(database, aws, queue, { calendarBucket: bucket, events: noPoll, ...changes }),
      { logger, sqs, consumer: { waitTimeSeconds: 1 }, issued: issuedJobs },
    );
    others.push(other);
    return { app: other, url: (await other.start()).url };
  }

  beforeAll(async () => {
    aws = await startFauxqs();
    ({ sns, sqs } = clientsFor(aws));
    topology = await ensureTopology({ sns, sqs }, { prefix: `${uniqueName("jse")}-` });
    publisher = createSnsPublisher({ sns, topicArn: topology.topicArn });
    database = await createTestDatabase();
    app = createJobStatusApp(configOn(database, aws, topology, { calendarBucket: bucket, events: noPoll }), {
      logger,
      sqs,
      consumer: { waitTimeSeconds: 1 },
      issued: issuedJobs,
    });
    url = (await app.start()).url;
  });

  afterAll(async () => {
    for (const other of others) await other.stop();
    await app?.stop();
    await database?.drop();
    sns?.destroy();
    sqs?.destroy();
    await aws?.stop();
  });

  const newJob = () => {
    const id = crypto.randomUUID();
    issued.add(id);
    return id;
  };
  const publish = (...events: DomainEvent[]) => publisher.publish(events);
  const { requested, started, failed } = calendarEvents;
  const ready = (id: string) => calendarEvents.ready(id, { bucket, key: `calendars/${id}.ics`, size: 10 });
  const events = (base: string, id: string, headers: Record<string, string> = {}) =>
    openEventStream(`${base}/api/v1/todos/ical/${id}/events`, { headers });
  const statusJson = async (base: string, id: string) =>
    (await (await fetch(`${base}/api/v1/todos/ical/${id}/status`)).json()) as Record<string, unknown>;
  /** The next event's state and data; the data must be exactly what the status endpoint answers right now. */
  const nextState = async (stream: EventStream, base: string, id: string) => {
    const event = await stream.nextEvent(pushedWithin);
    if (event === undefined) return undefined;
    const data = JSON.parse(event.data) as Record<string, unknown>;
    expect(data).toEqual(await statusJson(base, id));
    expect(event.id).toBe(data.task_status);
    return event.id;
  };

  it("streams PENDING, STARTED, SUCCESS as they happen, each with the status endpoint's JSON, then ends", async () => {
    const id = newJob();
    const stream = await events(url, id);
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(stream.response.headers.get("cache-control")).toBe("no-store");
    expect(await stream.next()).toEqual({ kind: "retry", ms: 2000 });
    // Nothing has been published yet: the first event is there while the job is still waiting.
    expect(await nextState(stream, url, id)).toBe("PENDING");
    await publish(requested(id), started(id));
    expect(await nextState(stream, url, id)).toBe("STARTED");
    await publish(ready(id));
    expect(await nextState(stream, url, id)).toBe("SUCCESS");
    expect(await stream.next()).toBeUndefined();
    await waitFor(() => app.openStreams() === 0, { what: "the finished stream to be closed" });
  });

  it("ends after FAILURE too", async () => {
    const id = newJob();
    const stream = await events(url, id);
    expect(await nextState(stream, url, id)).toBe("PENDING");
    await publish(failed(id));
    expect(await nextState(stream, url, id)).toBe("FAILURE");
    expect(await stream.next()).toBeUndefined();
  });

  it("resumes from Last-Event-ID: only later states; a finished job sends its final state and ends", async () => {
    const id = newJob();
    await publish(started(id));
    await waitFor(async () => (await statusJson(url, id)).task_status === "STARTED", { what: "STARTED" });

    const fromPending = await events(url, id, { "last-event-id": "PENDING" });
    expect(await nextState(fromPending, url, id)).toBe("STARTED");
    fromPending.close();

    const fromStarted = await events(url, id, { "last-event-id": "STARTED" });
    expect(await fromStarted.next()).toEqual({ kind: "retry", ms: 2000 });
    await publish(ready(id));
    // STARTED is not sent again: the first event is the next state.
    expect(await nextState(fromStarted, url, id)).toBe("SUCCESS");
    expect(await fromStarted.next()).toBeUndefined();

    const late = await events(url, id, { "last-event-id": "PENDING" });
    expect((await late.rest()).map((e) => e.id)).toEqual(["SUCCESS"]);
    const fresh = await events(url, id);
    expect((await fresh.rest()).map((e) => e.id)).toEqual(["SUCCESS"]);
    // The client has the end already: 204 tells an EventSource to stop reconnecting.
    const done = await fetch(`${url}/api/v1/todos/ical/${id}/events`, {
      headers: { "last-event-id": "SUCCESS" },
    });
    expect(done.status).toBe(204);
    expect(await done.text()).toBe("");
  });

  it("answers the status endpoint's JSON errors: 404 for unknown ids and for ids that are not ids, 503 when unsure", async () => {
    for (const id of [crypto.randomUUID(), "not-a-uuid", "1"]) {
      const res = await fetch(`${url}/api/v1/todos/ical/${id}/events`, {
        headers: { accept: "text/event-stream" },
      });
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      expect(res.headers.get("x-error-code")).toBe("task_not_found");
      expect(await res.json()).toEqual({ error: "Task not found" });
    }
    // HEAD: the answer's headers, and no stream left open behind them.
    const head = await fetch(`${url}/api/v1/todos/ical/${newJob()}/events`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(app.openStreams()).toBe(0);
    todoServiceDown = true;
    try {
      const res = await fetch(`${url}/api/v1/todos/ical/${crypto.randomUUID()}/events`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ error: "Task status is temporarily unavailable" });
    } finally {
      todoServiceDown = false;
    }
  });

  it("sends a heartbeat comment while nothing happens, and closes the stream when the client goes", async () => {
    const beating = await instance({ events: { heartbeatMs: 50, pollMs: 60_000 } });
    const id = newJob();
    const stream = await events(beating.url, id);
    expect((await stream.nextEvent())?.id).toBe("PENDING");
    expect(await stream.next()).toEqual({ kind: "comment", text: "ping" });
    expect(await stream.next()).toEqual({ kind: "comment", text: "ping" });
    expect(beating.app.openStreams()).toBe(1);
    stream.close();
    await waitFor(() => beating.app.openStreams() === 0, { what: "the server to drop the stream" });
  });

  it("pushes what another instance applied: the stream on A hears B's commits through NOTIFY", async () => {
    // A reads nothing from the queue; the main instance (B) applies every event. A polls once a minute.
    const a = await instance({});
    const id = newJob();
    const stream = await events(a.url, id);
    expect(await nextState(stream, a.url, id)).toBe("PENDING");
    await publish(started(id));
    expect(await nextState(stream, a.url, id)).toBe("STARTED");
    await publish(ready(id));
    expect(await nextState(stream, a.url, id)).toBe("SUCCESS");
    expect(await stream.next()).toBeUndefined();
  });

  it("falls back to polling when a change comes with no notification", async () => {
    const polling = await instance({ events: { heartbeatMs: 60_000, pollMs: 100 } });
    const id = newJob();
    await publish(started(id));
    await waitFor(async () => (await statusJson(url, id)).task_status === "STARTED", { what: "STARTED" });
    const stream = await events(polling.url, id);
    expect(await nextState(stream, polling.url, id)).toBe("STARTED");
    // A writer that sends no NOTIFY (or one lost with a LISTEN connection).
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query("UPDATE jobs SET status = 'FAILURE', error = 'by hand' WHERE id = $1", [id]);
    } finally {
      await client.end();
    }
    expect(await nextState(stream, polling.url, id)).toBe("FAILURE");
    expect(await stream.next()).toBeUndefined();
  });
});

describe("job status as Server-Sent Events on PGlite (npm start)", () => {
  let aws: AwsEndpoint;
  let app: JobStatusApp;
  let url: string;
  let publisher: EventPublisher;
  const clients: { sns?: SNSClient; sqs?: SQSClient } = {};

  beforeAll(async () => {
    aws = await startFauxqs();
    const { sns, sqs } = clientsFor(aws);
    Object.assign(clients, { sns, sqs });
    const topology = await ensureTopology({ sns, sqs }, { prefix: `${uniqueName("jse-lite")}-` });
    publisher = createSnsPublisher({ sns, topicArn: topology.topicArn });
    // No DATABASE_URL: PGlite in memory, as `npm start` runs it (there in DATA_DIR).
    const config = testConfig({
      aws: { endpoint: aws.endpoint, region: aws.region },
      queueUrl: topology.queues["job-status"].url,
      calendarBucket: bucket,
      events: noPoll,
    });
    expect(config.databaseUrl).toBeUndefined();
    app = createJobStatusApp(config, {
      logger,
      sqs,
      consumer: { waitTimeSeconds: 1 },
      issued: { wasIssued: async () => ({ requestedAt: new Date().toISOString() }) },
    });
    url = (await app.start()).url;
  });

  afterAll(async () => {
    await app?.stop();
    clients.sns?.destroy();
    clients.sqs?.destroy();
    await aws?.stop();
  });

  it("streams to SUCCESS, woken by its own commits", async () => {
    const id = crypto.randomUUID();
    const stream = await openEventStream(`${url}/api/v1/todos/ical/${id}/events`);
    expect((await stream.nextEvent())?.id).toBe("PENDING");
    await publisher.publish([calendarEvents.started(id)]);
    expect((await stream.nextEvent(pushedWithin))?.id).toBe("STARTED");
    await publisher.publish([calendarEvents.ready(id, { bucket, key: `calendars/${id}.ics`, size: 10 })]);
    const last = await stream.nextEvent(pushedWithin);
    expect(last?.id).toBe("SUCCESS");
    expect(JSON.parse(last?.data ?? "")).toMatchObject({ task_id: id, task_status: "SUCCESS" });
    expect(await stream.next()).toBeUndefined();
  });
});
