// The consumer when handling goes wrong: retries then the dead-letter queue, malformed messages straight there,
// and a heartbeat that keeps a slow handler's message invisible.
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "@jest/globals";
import type { DomainEvent } from "@taskoverflow/contracts";
import { awsEmulators, uniqueName, waitFor } from "@taskoverflow/test-harness";
import {
  createSnsPublisher,
  ensureTopology,
  type HandlerOutcome,
  type MessageContext,
  startServiceConsumer,
} from "../src/index.ts";
import { useBackbone } from "./backbone.ts";
import { createTodo, fastTopology, queueCounts } from "./pipeline.ts";

describe.each(awsEmulators())("the consumer on failure on $name", ({ start }) => {
  const bb = useBackbone(start, "messaging-int");
  const { lines, consume, dlqMessages } = bb;

  it("dead-letters a message whose handler always fails after maxReceiveCount attempts, and says so", async () => {
    const { clients, db } = bb.fixture;
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
    const { clients } = bb.fixture;
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
    const { clients, db } = bb.fixture;
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
        const { visible, inFlight } = await queueCounts(clients.sqs, t.queues.calendar.url);
        return visible === 0 && inFlight === 0;
      },
      { timeoutMs: 20_000, what: "the slow message to be deleted" },
    );
    expect(calls).toEqual([1]);
  });

  it("frees a message's slot once its handler is done, before its delete; stop waits for the deletes", async () => {
    const { clients, db } = bb.fixture;
    const t = await ensureTopology(clients, fastTopology(`${uniqueName("slot")}-`));
    const publisher = createSnsPublisher({ sns: clients.sns, topicArn: t.topicArn });
    // The consumer's DeleteMessageBatch calls wait at this gate until the test opens it.
    const gate = { open: false, held: [] as Array<() => void>, started: 0, completed: 0 };
    const name = "gate-deletes";
    clients.sqs.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== "DeleteMessageBatchCommand") return next(args);
        gate.started += 1;
        if (!gate.open) await new Promise<void>((resolve) => gate.held.push(resolve));
        try {
          return await next(args);
        } finally {
          gate.completed += 1;
        }
      },
      { step: "initialize", name },
    );
    try {
      const handled: string[] = [];
      const { consumer } = await consume(
        t.queues.calendar.url,
        "slot",
        async (event) => {
          handled.push(event.id);
          return "done";
        },
        { concurrency: 1 },
      );
      const events = [await createTodo(db, "slot 1"), await createTodo(db, "slot 2")];
      for (const e of events) await publisher.publish([e]);
      // One slot: the second message is handled only if the first one's held delete did not keep it.
      await waitFor(() => handled.length === 2, { what: "both messages handled while their deletes wait" });
      // The deleter gathers completed messages for a while before its call: it reaches the gate, held there.
      await waitFor(() => gate.started > 0, { what: "a delete call held at the gate" });
      expect(gate.completed).toBe(0);
      const stopping = consumer.stop();
      gate.open = true;
      for (const release of gate.held.splice(0)) release();
      await stopping;
      expect(gate.completed).toBe(gate.started);
      expect(await queueCounts(clients.sqs, t.queues.calendar.url)).toEqual({ visible: 0, inFlight: 0 });
      expect(new Set(handled)).toEqual(new Set(events.map((e) => e.id)));
    } finally {
      clients.sqs.middlewareStack.remove(name);
      gate.open = true;
      for (const release of gate.held.splice(0)) release();
    }
  });

  /** A fresh topology, its publisher, and a consumer with `gatherMs` that records the ids it handled. */
  async function gatherSetup(name: string) {
    const { clients } = bb.fixture;
    const t = await ensureTopology(clients, fastTopology(`${uniqueName(name)}-`));
    const publisher = createSnsPublisher({ sns: clients.sns, topicArn: t.topicArn });
    const handled: string[] = [];
    const handler = async (event: DomainEvent) => {
      handled.push(event.id);
      return "done" as const;
    };
    const consumeRecording = (gatherMs: number) =>
      consume(t.queues.calendar.url, name, handler, { gatherMs });
    /** The same consumer as a service starts it: `gatherMs` from its config (CONSUMER_GATHER_MS). */
    const serviceRecording = (gatherMs: number) =>
      startServiceConsumer(
        (release) => void bb.stops.push(async () => void (await release())),
        bb.log.child({ consumer: name }),
        { concurrency: 10, gatherMs },
        { sqs: clients.sqs, queueUrl: t.queues.calendar.url, waitTimeSeconds: 1, handler },
      );
    return { t, publisher, handled, consumeRecording, serviceRecording };
  }

  it.each([
    ["createSqsConsumer's gatherMs", "consumeRecording"],
    ["startServiceConsumer's config.gatherMs (CONSUMER_GATHER_MS)", "serviceRecording"],
  ] as const)(
    "after a partial receive of two or more, waits %s so messages published meanwhile come in one receive",
    async (_label, how) => {
      const { clients, db } = bb.fixture;
      const setup = await gatherSetup("gather");
      const { t, publisher, handled } = setup;
      // What each of this queue's receives returned (event ids), read off the SDK's answers.
      const receives: string[][] = [];
      const name = "record-receives";
      clients.sqs.middlewareStack.add(
        (next, context) => async (args) => {
          const out = await next(args);
          const input = args.input as { QueueUrl?: string };
          if (context.commandName === "ReceiveMessageCommand" && input.QueueUrl === t.queues.calendar.url) {
            const got = (out.output as { Messages?: Array<{ Body?: string }> }).Messages ?? [];
            if (got.length > 0) receives.push(got.map((m) => JSON.parse(m.Body ?? "{}").id as string));
          }
          return out;
        },
        { step: "initialize", name },
      );
      try {
        // Waiting for the queue to hold both before the consumer starts: its first receive takes the two.
        // One publish each: published together, todo events would share one message (a group).
        const first = [await createTodo(db, "gather first"), await createTodo(db, "gather second")];
        for (const e of first) await publisher.publish([e]);
        await waitFor(async () => (await queueCounts(clients.sqs, t.queues.calendar.url)).visible === 2, {
          what: "two messages queued",
        });
        // A wait far longer than the three publishes below take, even on a loaded machine.
        await setup[how](3_000);
        await waitFor(() => handled.length === 2, { what: "the first two messages, received together" });
        // One publish each, one after the other: without the wait, a long poll would return with the first alone.
        const later = [];
        for (const title of ["gather a", "gather b", "gather c"]) {
          const e = await createTodo(db, title);
          later.push(e.id);
          await publisher.publish([e]);
        }
        await waitFor(() => handled.length === 5, { timeoutMs: 20_000, what: "the three later messages" });
        expect(receives).toEqual([first.map((e) => e.id), later]);
      } finally {
        clients.sqs.middlewareStack.remove(name);
      }
    },
  );

  it("with more than one receive's worth of slots, receives in parallel (a loop per 10), and together they never ask for more than the free slots", async () => {
    const { clients, db } = bb.fixture;
    const t = await ensureTopology(clients, fastTopology(`${uniqueName("receivers")}-`));
    const publisher = createSnsPublisher({ sns: clients.sns, topicArn: t.topicArn });
    const concurrency = 12;
    // What the receives in flight have asked for, and the messages being handled, at each receive's start.
    const asking = new Set<{ asked: number }>();
    let handling = 0;
    let mostAtOnce = 0;
    const overAsked: string[] = [];
    const name = "count-receives";
    clients.sqs.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { QueueUrl?: string; MaxNumberOfMessages?: number };
        if (context.commandName !== "ReceiveMessageCommand" || input.QueueUrl !== t.queues.calendar.url)
          return next(args);
        const call = { asked: input.MaxNumberOfMessages ?? 1 };
        const askedBefore = [...asking].reduce((n, c) => n + c.asked, 0);
        if (handling + askedBefore + call.asked > concurrency)
          overAsked.push(`handling ${handling}, asked ${askedBefore} + ${call.asked}`);
        asking.add(call);
        mostAtOnce = Math.max(mostAtOnce, asking.size);
        try {
          return await next(args);
        } finally {
          asking.delete(call);
        }
      },
      { step: "initialize", name },
    );
    const gate = { open: false, waiting: [] as (() => void)[] };
    const handled: string[] = [];
    try {
      await consume(
        t.queues.calendar.url,
        "receivers",
        async (event) => {
          handling++;
          if (!gate.open) await new Promise<void>((resolve) => gate.waiting.push(resolve));
          handling--;
          handled.push(event.id);
          return "done";
        },
        { concurrency, gatherMs: 0 },
      );
      // An idle queue: both loops hold a long poll (10 + 2 slots).
      await waitFor(() => mostAtOnce === 2, { what: "two receives out at once" });
      // Every slot taken by a handler held at the gate: more messages wait in the queue.
      const events = [];
      for (let i = 0; i < 15; i++) events.push(await createTodo(db, `receivers ${i}`));
      // A message each (published together, todo events would share one): 15 messages for 12 slots.
      for (const e of events) await publisher.publish([e]);
      await waitFor(() => handling === concurrency, { what: "every slot handling a message" });
      gate.open = true;
      for (const release of gate.waiting.splice(0)) release();
      await waitFor(() => handled.length >= 15, { timeoutMs: 20_000, what: "all 15 handled" });
      expect(new Set(handled)).toEqual(new Set(events.map((e) => e.id)));
      expect(overAsked).toEqual([]);
      expect(mostAtOnce).toBe(2);
    } finally {
      gate.open = true;
      for (const release of gate.waiting.splice(0)) release();
      clients.sqs.middlewareStack.remove(name);
    }
  });

  it("receives again at once after a lone message: quiet traffic (a job's next step) is not held", async () => {
    const { db } = bb.fixture;
    const { publisher, handled, consumeRecording } = await gatherSetup("lone");
    // Ten minutes: a second message handled within the wait below came without it.
    await consumeRecording(600_000);
    await publisher.publish([await createTodo(db, "lone first")]);
    await waitFor(() => handled.length === 1, { what: "the first message" });
    await publisher.publish([await createTodo(db, "lone next")]);
    await waitFor(() => handled.length === 2, { timeoutMs: 30_000, what: "the next one, not held" });
  });
});
