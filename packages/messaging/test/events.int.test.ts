import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import type { DomainEvent } from "@taskoverflow/contracts";
import {
  type AwsEndpoint,
  awsEmulators,
  freePort,
  type TestDatabase,
  uniqueName,
  waitFor,
} from "@taskoverflow/test-harness";
import { sql } from "kysely";
import {
  createOutboxRelay,
  createSnsPublisher,
  createSqsConsumer,
  type EventPublisher,
  ensureTopology,
  type HandlerOutcome,
  type MessageContext,
  pgOutboxWakeSource,
} from "../src/index.ts";
import {
  applyEffect,
  awsClients,
  capturingLogger,
  createTodo,
  effectCounts,
  fastTopology,
  type PipelineFixture,
  startPipelineFixture,
  type TestDb,
} from "./pipeline.ts";

describe.each(awsEmulators())("event backbone on $name", ({ start }) => {
  let aws: AwsEndpoint;
  let clients: PipelineFixture["clients"];
  let database: TestDatabase;
  let db: TestDb;
  let stopFixture: () => Promise<void>;
  const { log, lines } = capturingLogger("messaging-int");
  const stops: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    ({ aws, clients, database, db, stop: stopFixture } = await startPipelineFixture(start, log));
  });
  // Relays and consumers live for one test: a relay left running would publish the next test's outbox rows.
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
    // Events a test published by hand stay unpublished in the outbox; the next test's relay would send them to
    // its fresh topic and count them. Each test starts with an outbox holding nothing to send.
    await sql`DELETE FROM outbox WHERE published_at IS NULL`.execute(db);
  });
  afterAll(async () => {
    await stopFixture();
  });

  /** A consumer on the calendar queue of a fresh topology; returns what the handler saw. */
  async function consume(
    queueUrl: string,
    consumer: string,
    handler?: (event: DomainEvent, ctx: MessageContext) => Promise<HandlerOutcome>,
    extra: Partial<Parameters<typeof createSqsConsumer>[0]> = {},
  ) {
    const seen: Array<{ id: string; result: string; receiveCount: number }> = [];
    const c = createSqsConsumer({
      sqs: clients.sqs,
      queueUrl,
      log: log.child({ consumer }),
      waitTimeSeconds: 1,
      retryBaseSeconds: 1,
      handler:
        handler ??
        (async (event, ctx) => {
          const result = await applyEffect(db, consumer, event);
          seen.push({ id: event.id, result, receiveCount: ctx.receiveCount });
          return "done";
        }),
      ...extra,
    });
    await c.start();
    stops.push(() => c.stop());
    return { consumer: c, seen };
  }

  async function dlqMessages(dlqUrl: string, expected: number) {
    const got: Array<{ body: string; reason: string | undefined }> = [];
    await waitFor(
      async () => {
        const r = await clients.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: dlqUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            MessageAttributeNames: ["All"],
          }),
        );
        for (const m of r.Messages ?? []) {
          got.push({ body: m.Body ?? "", reason: m.MessageAttributes?.invalidReason?.StringValue });
        }
        return got.length >= expected;
      },
      { timeoutMs: 30_000, what: `${expected} message(s) in the DLQ` },
    );
    return got;
  }

  it("delivers every todo write to the consumer exactly once, with two relays racing on one outbox", async () => {
    const t = await ensureTopology(clients, fastTopology(`${uniqueName("happy")}-`));
    const publisher = createSnsPublisher({ sns: clients.sns, topicArn: t.topicArn });
    // Two service instances: one woken by LISTEN/NOTIFY, one by its own wake() calls.
    const listening = createOutboxRelay({
      db,
      publisher,
      log,
      batchSize: 7,
      wakeSource: pgOutboxWakeSource({ connectionString: database.url, log }),
    });
    const local = createOutboxRelay({ db, publisher, log, batchSize: 7 });
    for (const r of [listening, local]) {
      await r.start();
      stops.push(() => r.stop());
    }
    const { seen } = await consume(t.queues.calendar.url, "happy", undefined, { concurrency: 5 });

    const events = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const e = await createTodo(db, `todo ${i}`);
        local.wake();
        return e;
      }),
    );
    await waitFor(async () => (await effectCounts(db, "happy")).total >= 60, { what: "60 effects" });
    expect(await effectCounts(db, "happy")).toEqual({ total: 60, distinct: 60 });
    // No double send in the normal path: the handler saw each event once, on its first delivery.
    expect(seen.map((s) => s.id).sort()).toEqual(events.map((e) => e.id).sort());
    expect(seen.every((s) => s.result === "processed")).toBe(true);
    const { rows } = await sql<{
      n: string;
    }>`SELECT count(*) AS n FROM outbox WHERE published_at IS NULL`.execute(db);
    expect(rows[0]?.n).toBe("0");
  });

  it("keeps events while SNS is unreachable and delivers each once when it is back", async () => {
    const t = await ensureTopology(clients, fastTopology(`${uniqueName("down")}-`));
    // The real SNS client against a real closed port, then the live endpoint.
    const dead = awsClients({ ...aws, endpoint: `http://127.0.0.1:${await freePort()}` });
    stops.push(async () => dead.sns.destroy());
    const publishers = {
      dead: createSnsPublisher({ sns: dead.sns, topicArn: t.topicArn }),
      live: createSnsPublisher({ sns: clients.sns, topicArn: t.topicArn }),
    };
    let current: EventPublisher = publishers.dead;
    const relay = createOutboxRelay({
      db,
      publisher: { publish: (events) => current.publish(events) },
      log,
      retryBaseMs: 50,
      retryMaxMs: 400,
    });
    await relay.start();
    stops.push(() => relay.stop());
    await consume(t.queues.calendar.url, "down");

    const events: DomainEvent[] = [];
    for (let i = 0; i < 15; i++) {
      events.push(await createTodo(db, `offline ${i}`));
      relay.wake();
    }
    const ids = events.map((e) => e.id);
    // Observable: every row was attempted at least twice and carries the connection error.
    await waitFor(
      async () => {
        const { rows } = await sql<{ n: string }>`
          SELECT count(*) AS n FROM outbox WHERE event_id = ANY(${ids}::uuid[]) AND attempts >= 2
            AND published_at IS NULL AND last_error IS NOT NULL`.execute(db);
        return Number(rows[0]?.n) === ids.length;
      },
      { what: "failed publish attempts recorded on the outbox rows" },
    );
    expect(await effectCounts(db, "down")).toEqual({ total: 0, distinct: 0 });
    const { rows } = await sql<{ last_error: string }>`
      SELECT last_error FROM outbox WHERE event_id = ${ids[0]}`.execute(db);
    expect(rows[0]?.last_error).toMatch(/ECONNREFUSED/);
    expect(lines.some((l) => l.msg === "outbox publish failed; backing off")).toBe(true);

    current = publishers.live;
    await waitFor(async () => (await effectCounts(db, "down")).total >= 15, {
      what: "15 effects after recovery",
    });
    expect(await effectCounts(db, "down")).toEqual({ total: 15, distinct: 15 });
    expect(lines.some((l) => l.msg === "outbox relay recovered: broker reachable again")).toBe(true);
  });

  it("applies an event delivered twice only once", async () => {
    const t = await ensureTopology(clients, fastTopology(`${uniqueName("dup")}-`));
    const publisher = createSnsPublisher({ sns: clients.sns, topicArn: t.topicArn });
    const { seen } = await consume(t.queues.calendar.url, "dup");
    const event = await createTodo(db, "twice");
    await publisher.publish([event]);
    await publisher.publish([event]);
    await waitFor(() => seen.length >= 2, { what: "both deliveries handled" });
    expect(seen.map((s) => s.result).sort()).toEqual(["duplicate", "processed"]);
    expect(await effectCounts(db, "dup")).toEqual({ total: 1, distinct: 1 });
  });

  it("dead-letters a message whose handler always fails after maxReceiveCount attempts, and says so", async () => {
    const t = await ensureTopology(clients, fastTopology(`${uniqueName("poison")}-`));
    const publisher = createSnsPublisher({ sns: clients.sns, topicArn: t.topicArn });
    const attempts: number[] = [];
    const exhausted: string[] = [];
    await consume(
      t.queues.calendar.url,
      "poison",
      async (_event, ctx) => {
        attempts.push(ctx.receiveCount);
        throw new Error("projection store is on fire");
      },
      { onExhausted: (event) => void exhausted.push(event.id) },
    );
    const event = await createTodo(db, "poison");
    await publisher.publish([event]);

    const [dead] = await dlqMessages(t.queues.calendar.dlqUrl, 1);
    expect(JSON.parse(dead?.body ?? "{}").id).toBe(event.id);
    expect(attempts).toEqual([1, 2, 3]);
    expect(exhausted).toEqual([event.id]);
    const logged = lines.filter((l) => l.eventId === event.id);
    expect(logged.filter((l) => l.msg === "handler failed; the message will be retried")).toHaveLength(2);
    expect(
      logged.find((l) => l.level === "error" && String(l.msg).includes("dead-letter queue")),
    ).toMatchObject({
      receiveCount: 3,
      maxReceiveCount: 3,
      // `{ err }` is the error itself: pino keeps its type and message (and stack).
      err: expect.objectContaining({
        type: "Error",
        message: expect.stringContaining("projection store is on fire"),
      }),
    });
  });

  it("sends a malformed message straight to the DLQ without calling the handler", async () => {
    const t = await ensureTopology(clients, fastTopology(`${uniqueName("bad")}-`));
    const handled: string[] = [];
    await consume(t.queues.calendar.url, "bad", async (event) => {
      handled.push(event.id);
      return "done";
    });
    const notJson = "{ this is not json";
    const notAnEvent = JSON.stringify({ type: "TodoCreated", id: "nope" });
    const sent: string[] = [];
    for (const body of [notJson, notAnEvent]) {
      const { MessageId } = await clients.sqs.send(
        new SendMessageCommand({ QueueUrl: t.queues.calendar.url, MessageBody: body }),
      );
      sent.push(MessageId ?? "");
    }
    const dead = await dlqMessages(t.queues.calendar.dlqUrl, 2);
    expect(dead.map((d) => d.body).sort()).toEqual([notJson, notAnEvent].sort());
    expect(dead.find((d) => d.body === notJson)?.reason).toMatch(/not JSON/);
    expect(dead.find((d) => d.body === notAnEvent)?.reason).toMatch(/not a valid event/);
    expect(handled).toEqual([]);
    const invalid = () =>
      lines.filter(
        (l) =>
          l.msg === "invalid message moved to the dead-letter queue (never retried)" &&
          sent.includes(String(l.messageId)),
      );
    // The line is written once the original is deleted, just after the DLQ copy is visible: wait for it.
    await waitFor(() => invalid().length >= 2, { timeoutMs: 10_000, what: "two invalid-message log lines" });
    // Each of the two on its first delivery, each once.
    expect(
      invalid()
        .map((l) => [l.messageId, l.receiveCount])
        .sort(),
    ).toEqual(sent.map((id) => [id, 1]).sort());
    // The log says which message and why, never what it said.
    for (const line of invalid()) {
      expect(line).toMatchObject({ reason: expect.any(String), bodyBytes: expect.any(Number) });
      expect(line).not.toHaveProperty("body");
      expect(JSON.stringify(line)).not.toContain("this is not json");
    }
  });

  it("keeps a slow handler's message invisible with a heartbeat, so a second consumer never gets it", async () => {
    const t = await ensureTopology(clients, {
      ...fastTopology(`${uniqueName("slow")}-`),
      visibilityTimeoutSeconds: 1,
    });
    const publisher = createSnsPublisher({ sns: clients.sns, topicArn: t.topicArn });
    const calls: number[] = [];
    const slow = async (_e: DomainEvent, ctx: MessageContext): Promise<HandlerOutcome> => {
      calls.push(ctx.receiveCount);
      // Far beyond the 1 s visibility timeout; only the heartbeat keeps it hidden from the other consumer.
      await new Promise((r) => setTimeout(r, 3500));
      return "done";
    };
    await consume(t.queues.calendar.url, "slow-a", slow);
    await consume(t.queues.calendar.url, "slow-b", slow);
    await publisher.publish([await createTodo(db, "slow")]);
    await waitFor(() => calls.length >= 1, { what: "the slow handler to start" });
    await waitFor(
      async () => {
        const a = await clients.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: t.queues.calendar.url,
            AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
          }),
        );
        return (
          a.Attributes?.ApproximateNumberOfMessages === "0" &&
          a.Attributes?.ApproximateNumberOfMessagesNotVisible === "0"
        );
      },
      { timeoutMs: 20_000, what: "the slow message to be deleted" },
    );
    expect(calls).toEqual([1]);
  });
});
