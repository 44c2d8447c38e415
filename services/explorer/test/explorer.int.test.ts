import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { type DomainEvent, eventTypes } from "@taskoverflow/contracts";
import { oneOfEach, todoEvent } from "@taskoverflow/contracts/testing";
import {
  createSnsPublisher,
  type EventPublisher,
  ensureTopology,
  type TopologyAddresses,
} from "@taskoverflow/messaging";
import { createLogger } from "@taskoverflow/platform";
import {
  type AwsEndpoint,
  awsEmulators,
  clientsFor,
  createTestDatabase,
  type TestDatabase,
  uniqueName,
  waitFor,
} from "@taskoverflow/test-harness";
import pg from "pg";
import { createExplorerApp, type ExplorerApp } from "../src/app.ts";
import { configOn } from "./explorer.fixture.ts";

const logger = createLogger({ service: "explorer-test", level: "silent" });
const TOKEN = "a-test-token-of-enough-length";

interface Counts {
  visible: number;
  inFlight: number;
  delayed: number;
}
interface QueueView {
  key: string;
  name: string;
  filterPolicy: { type: string[] } | null;
  counts: Counts | null;
  deadLetter: { name: string; counts: Counts | null };
}
interface StoredEvent {
  seq: string;
  id: string;
  type: string;
  producer: string;
  sequence: number | null;
  correlationId: string;
  occurredAt: string;
  routedTo: string[];
  payloadSummary: string;
  payloadBytes: number;
  payloadTruncated: boolean;
}

describe.each(awsEmulators())("explorer service on $name", ({ start }) => {
  let aws: AwsEndpoint;
  let sns: SNSClient;
  let sqs: SQSClient;
  let database: TestDatabase;
  let topology: TopologyAddresses;
  let app: ExplorerApp;
  let guarded: ExplorerApp;
  let url: string;
  let guardedUrl: string;
  let publisher: EventPublisher;
  let rows: pg.Pool;
  const prefix = `${uniqueName("ex")}-`;

  beforeAll(async () => {
    aws = await start();
    ({ sns, sqs } = clientsFor(aws));
    topology = await ensureTopology({ sns, sqs }, { prefix, visibilityTimeoutSeconds: 2 });
    publisher = createSnsPublisher({ sns, topicArn: topology.topicArn });
    database = await createTestDatabase();
    const config = configOn(database, aws, topology, prefix, { summaryBytes: 64 });
    app = createExplorerApp(config, { logger, sqs, sns, consumer: { waitTimeSeconds: 1 } });
    url = (await app.start()).url;
    // The same service with a token, on the same database and queue: two processes of one consumer.
    guarded = createExplorerApp(
      { ...config, token: TOKEN },
      { logger, sqs, sns, consumer: { waitTimeSeconds: 1 } },
    );
    guardedUrl = (await guarded.start()).url;
    rows = new pg.Pool({ connectionString: database.url, max: 1 });
  });

  afterAll(async () => {
    await rows?.end();
    await guarded?.stop();
    await app?.stop();
    await database?.drop();
    sns?.destroy();
    sqs?.destroy();
    await aws?.stop();
  });

  const api = (path: string, init?: RequestInit) => fetch(`${url}/api/v1/explorer${path}`, init);
  const json = async <T>(path: string, init?: RequestInit): Promise<T> => {
    const res = await api(path, init);
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const eventsOf = async (correlationId: string) =>
    (await json<{ events: StoredEvent[] }>(`/events?correlationId=${correlationId}&limit=200`)).events;
  const queues = async () => (await json<{ topic: string; queues: QueueView[] }>("/queues")).queues;
  const queue = async (key: string) => (await queues()).find((q) => q.key === key) as QueueView;
  const idle = (c: Counts | null) => c !== null && c.visible === 0 && c.inFlight === 0 && c.delayed === 0;
  /** The explorer's queue holds nothing, seen twice in a row (an in-flight message is counted as such). */
  const drained = () =>
    waitFor(async () => idle((await queue("explorer")).counts) && idle((await queue("explorer")).counts), {
      timeoutMs: 30_000,
      what: "the explorer queue to drain",
    });
  const recordedIds = async (correlationId: string) =>
    (
      await rows.query<{ id: string }>("SELECT id FROM events WHERE correlation_id = $1 ORDER BY id", [
        correlationId,
      ])
    ).rows.map((r) => r.id);

  it("records every event type exactly once, through duplicates and redeliveries", async () => {
    const correlationId = uniqueName("once");
    const events = oneOfEach({ correlationId });
    expect(events.map((e) => e.type).sort()).toEqual([...eventTypes].sort());
    await publisher.publish(events);
    // A duplicate publish (a relay that crashed after publishing, before marking) and a redelivery
    // straight into the queue (what SQS does after a visibility timeout) carry the same ids.
    await publisher.publish(events);
    for (const e of events.slice(0, 3)) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: topology.queues.explorer.url,
          MessageBody: JSON.stringify(e),
          MessageAttributes: { type: { DataType: "String", StringValue: e.type } },
        }),
      );
    }
    await waitFor(async () => (await recordedIds(correlationId)).length === events.length, {
      what: "every event recorded",
    });
    await drained();
    expect(await recordedIds(correlationId)).toEqual(events.map((e) => e.id).sort());
    const inbox = await rows.query<{ n: string }>(
      "SELECT count(*) AS n FROM processed_events WHERE consumer = 'explorer' AND event_id = ANY($1::uuid[])",
      [events.map((e) => e.id)],
    );
    expect(Number(inbox.rows[0]?.n)).toBe(events.length);

    const byType = new Map((await eventsOf(correlationId)).map((e) => [e.type, e]));
    const created = events[0] as DomainEvent;
    expect(byType.get("TodoCreated")).toEqual({
      seq: expect.stringMatching(/^\d+$/),
      id: created.id,
      type: "TodoCreated",
      version: 1,
      producer: "todo",
      sequence: null,
      correlationId,
      occurredAt: new Date(created.occurredAt).toISOString(),
      recordedAt: expect.any(String),
      payloadSummary: JSON.stringify(created.payload).slice(0, 64),
      payloadBytes: Buffer.byteLength(JSON.stringify(created.payload)),
      payloadTruncated: true,
      routedTo: ["calendar", "explorer"],
    });
    expect(Object.fromEntries([...byType.values()].map((e) => [e.type, e.routedTo]))).toEqual({
      TodoCreated: ["calendar", "explorer"],
      TodoUpdated: ["calendar", "explorer"],
      TodoDeleted: ["calendar", "explorer"],
      CalendarRequested: ["calendar", "job-status", "explorer"],
      CalendarStarted: ["job-status", "explorer"],
      CalendarReady: ["job-status", "explorer"],
      CalendarFailed: ["job-status", "explorer"],
    });
  });

  it("pages newest first with filters, and refuses bad parameters with a JSON 400", async () => {
    const correlationId = uniqueName("page");
    const events = [1, 2, 3, 4, 5].map((n) => todoEvent("TodoUpdated", { id: n }, { correlationId }));
    for (const e of events) await publisher.publish([e]);
    await waitFor(async () => (await eventsOf(correlationId)).length === 5, { what: "five events" });

    const seen: string[] = [];
    let path: string | null = `/events?correlationId=${correlationId}&limit=2`;
    const pages: number[] = [];
    while (path !== null) {
      const res = await api(path);
      const body = (await res.json()) as { events: StoredEvent[]; next: string | null };
      pages.push(body.events.length);
      seen.push(...body.events.map((e) => e.seq));
      const link = res.headers.get("link");
      path = body.next === null ? null : `/events?correlationId=${correlationId}&limit=2&before=${body.next}`;
      if (body.next !== null) expect(link).toContain(`before=${body.next}`);
    }
    expect(pages).toEqual([2, 2, 1]);
    expect(seen).toEqual([...seen].sort((a, b) => Number(b) - Number(a)));
    expect(new Set(seen).size).toBe(5);

    const typed = await json<{ events: StoredEvent[] }>(
      `/events?type=TodoUpdated&correlationId=${correlationId}`,
    );
    expect(typed.events.map((e) => e.type)).toEqual(Array(5).fill("TodoUpdated"));
    expect(
      (await json<{ events: StoredEvent[] }>(`/events?type=TodoCreated&correlationId=${correlationId}`))
        .events,
    ).toEqual([]);

    for (const [query, error] of [
      ["limit=0", "limit must be an integer from 1 to 200"],
      ["limit=201", "limit must be an integer from 1 to 200"],
      ["before=x", "before must be a seq from a previous page"],
      ["type=a&type=b", "type may be given once"],
      ["type=%3Cscript%3E", "type must be an event type name"],
      ["colour=red", "unknown parameter colour"],
    ] as const) {
      const res = await api(`/events?${query}`);
      expect([query, res.status, res.headers.get("content-type"), await res.json()]).toEqual([
        query,
        400,
        "application/json; charset=utf-8",
        { error },
      ]);
    }
  });

  it("answers one request's timeline in order, and 404 for a correlation it never saw", async () => {
    const correlationId = uniqueName("timeline");
    const [a, b, c] = oneOfEach({ correlationId }).slice(3, 6) as DomainEvent[];
    const at = (e: DomainEvent, ms: number) =>
      ({ ...e, occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, ms)).toISOString() }) as DomainEvent;
    // Published newest first: the timeline orders by when they happened, not by arrival.
    await publisher.publish([at(c as DomainEvent, 300)]);
    await publisher.publish([at(b as DomainEvent, 200), at(a as DomainEvent, 100)]);
    const timeline = await waitFor(
      async () => {
        const res = await api(`/correlations/${correlationId}`);
        if (res.status !== 200) return undefined;
        const body = (await res.json()) as { events: StoredEvent[] };
        return body.events.length === 3 ? body : undefined;
      },
      { what: "the timeline" },
    );
    expect(timeline.events.map((e) => e.type)).toEqual([
      "CalendarRequested",
      "CalendarStarted",
      "CalendarReady",
    ]);

    const missing = await api(`/correlations/${uniqueName("never")}`);
    expect([missing.status, missing.headers.get("x-error-code"), await missing.json()]).toEqual([
      404,
      "correlation_not_found",
      { error: "Correlation not found" },
    ]);
    const bad = await api(`/correlations/${encodeURIComponent("a b")}`);
    expect(bad.status).toBe(400);
  });

  it("shows every queue of the topology with its dead-letter queue and counts", async () => {
    const body = await json<{ topic: string; queues: QueueView[] }>("/queues");
    expect(body.topic).toBe(`${prefix}events`);
    expect(body.queues.map((q) => [q.key, q.name, q.deadLetter.name])).toEqual([
      ["calendar", `${prefix}calendar`, `${prefix}calendar-dlq`],
      ["job-status", `${prefix}job-status`, `${prefix}job-status-dlq`],
      ["explorer", `${prefix}explorer`, `${prefix}explorer-dlq`],
    ]);
    expect(body.queues.find((q) => q.key === "explorer")?.filterPolicy).toBeNull();
    expect(body.queues.find((q) => q.key === "job-status")?.filterPolicy).toEqual({
      type: ["CalendarRequested", "CalendarStarted", "CalendarReady", "CalendarFailed"],
    });
    for (const q of body.queues) {
      expect(q.counts).toEqual({
        visible: expect.any(Number),
        inFlight: expect.any(Number),
        delayed: expect.any(Number),
      });
    }
  });

  it("peeks into a dead-letter queue without losing anything, and redrives it, safe to repeat", async () => {
    const dlq = topology.queues["job-status"].dlqUrl;
    const bodies = ["one", "two", "three"].map((n) => JSON.stringify({ poison: n }));
    for (const body of bodies) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: dlq,
          MessageBody: body,
          MessageAttributes: { type: { DataType: "String", StringValue: "CalendarReady" } },
        }),
      );
    }
    const peek = () =>
      json<{ queue: string; deadLetterQueue: string; messages: Array<{ body: string; type: string }> }>(
        "/dead-letters/job-status",
      );
    const waiting = (await queue("job-status")).counts?.visible ?? 0;
    const first = await peek();
    expect(first.deadLetterQueue).toBe(`${prefix}job-status-dlq`);
    expect(first.messages.map((m) => m.body).sort()).toEqual([...bodies].sort());
    expect(first.messages.map((m) => m.type)).toEqual(["CalendarReady", "CalendarReady", "CalendarReady"]);
    // Given back at once: a second look sees the same three, and so do the counts.
    expect((await peek()).messages.map((m) => m.body).sort()).toEqual([...bodies].sort());
    expect((await queue("job-status")).deadLetter.counts).toEqual({ visible: 3, inFlight: 0, delayed: 0 });

    const redrive = () => api("/dead-letters/job-status/redrive", { method: "POST" });
    const moved = await redrive();
    expect([moved.status, await moved.json()]).toEqual([
      200,
      { queue: "job-status", mode: "copy", moved: 3 },
    ]);
    const again = await redrive();
    expect([again.status, await again.json()]).toEqual([
      200,
      { queue: "job-status", mode: "copy", moved: 0 },
    ]);
    const after = await queue("job-status");
    expect(after.deadLetter.counts).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    // Nobody consumes job-status here: the three wait in the work queue.
    expect(after.counts?.visible).toBe(waiting + 3);
    expect((await peek()).messages).toEqual([]);

    const unknown = await api("/dead-letters/nope");
    expect([unknown.status, await unknown.json()]).toEqual([404, { error: "Queue not found" }]);
    const unknownRedrive = await api("/dead-letters/nope/redrive", { method: "POST" });
    expect(unknownRedrive.status).toBe(404);
    expect((await api("/dead-letters/job-status?limit=0")).status).toBe(400);
  });

  it("dead-letters a poison message at once, and records it once it is fixed and redriven", async () => {
    await sns.send(
      new PublishCommand({
        TopicArn: topology.topicArn,
        Message: '{"not":"an event"}',
        MessageAttributes: { type: { DataType: "String", StringValue: "TodoCreated" } },
      }),
    );
    const poisoned = await waitFor(
      async () => {
        const { messages } = await json<{ messages: Array<{ body: string }> }>("/dead-letters/explorer");
        return messages.some((m) => m.body === '{"not":"an event"}') ? messages : undefined;
      },
      { what: "the poison message in the explorer's dead-letter queue" },
    );
    expect(poisoned.map((m) => m.body)).toEqual(['{"not":"an event"}']);
    // What an operator does: move the poison aside (here: it is taken out), and redrive what is good.
    const correlationId = uniqueName("redriven");
    const good = todoEvent("TodoCreated", {}, { correlationId });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: topology.queues.explorer.dlqUrl,
        MessageBody: JSON.stringify(good),
        MessageAttributes: { type: { DataType: "String", StringValue: good.type } },
      }),
    );
    const res = await api("/dead-letters/explorer/redrive", { method: "POST" });
    expect(await res.json()).toEqual({ queue: "explorer", mode: "copy", moved: 2 });
    const recorded = await waitFor(async () => (await eventsOf(correlationId))[0], {
      what: "the redriven event",
    });
    expect(recorded.id).toBe(good.id);
    // The poison goes straight back to the dead-letter queue: it still is not an event.
    await waitFor(
      async () => {
        const { messages } = await json<{ messages: Array<{ body: string }> }>("/dead-letters/explorer");
        return messages.length === 1 && messages[0]?.body === '{"not":"an event"}';
      },
      { what: "the poison back in the dead-letter queue" },
    );
  });

  it("streams recorded events as Server-Sent Events", async () => {
    const correlationId = uniqueName("live");
    const stop = new AbortController();
    const res = await fetch(`${url}/api/v1/explorer/stream?correlationId=${correlationId}`, {
      signal: stop.signal,
    });
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const reader = (res.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${needle}`);
        text += value;
      }
    };
    await readUntil(": connected");
    const e = todoEvent("TodoCreated", {}, { correlationId });
    await publisher.publish([e]);
    await readUntil("\n\n" + "id: ");
    await readUntil(e.id);
    stop.abort();
    const message = text.split("\n\n").find((m) => m.includes(e.id)) as string;
    expect(message).toMatch(/^id: \d+\nevent: recorded\ndata: \{/);
    expect(JSON.parse(message.split("data: ")[1] as string)).toMatchObject({ id: e.id, correlationId });
  });

  it("with EXPLORER_TOKEN, needs the bearer token on every explorer route (401 JSON), not on health", async () => {
    const paths = ["/events", "/queues", "/correlations/x", "/dead-letters/calendar", "/stream"];
    for (const path of paths) {
      for (const authorization of [undefined, "Bearer wrong-token", `Basic ${TOKEN}`, `Bearer ${TOKEN}x`]) {
        const res = await fetch(`${guardedUrl}/api/v1/explorer${path}`, {
          headers: authorization ? { authorization } : {},
        });
        expect([
          path,
          authorization,
          res.status,
          res.headers.get("www-authenticate"),
          await res.json(),
        ]).toEqual([
          path,
          authorization,
          401,
          'Bearer realm="explorer"',
          { error: "Missing or wrong bearer token" },
        ]);
      }
    }
    const redrive = await fetch(`${guardedUrl}/api/v1/explorer/dead-letters/calendar/redrive`, {
      method: "POST",
    });
    expect(redrive.status).toBe(401);
    const ok = await fetch(`${guardedUrl}/api/v1/explorer/queues`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(ok.status).toBe(200);
    expect((await fetch(`${guardedUrl}/api/v1/health`)).status).toBe(200);
    // Without a token configured, the same routes are open.
    expect((await api("/queues")).status).toBe(200);
  });
});
