// Grouped messages (event.message.ts): a relay pass's todo events travel in one message per type, and the
// consumer answers for each event of a group: failures bring the message back whole, a barrier hands back only
// the events still waiting, the last attempt reports only those that failed.
import { ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "@jest/globals";
import { awsEmulators, uniqueName, waitFor } from "@taskoverflow/test-harness";
import { createSnsPublisher, decodeEventMessage, ensureTopology } from "../src/index.ts";
import { useBackbone } from "./backbone.ts";
import { createTodo, fastTopology, queueCounts } from "./pipeline.ts";

describe.each(awsEmulators())("grouped messages on $name", ({ start }) => {
  const bb = useBackbone(start, "messaging-int");
  const { consume, dlqMessages } = bb;

  async function setup(name: string) {
    const { clients, db } = bb.fixture;
    const t = await ensureTopology(clients, fastTopology(`${uniqueName(name)}-`));
    const publisher = createSnsPublisher({ sns: clients.sns, topicArn: t.topicArn });
    const events = [];
    for (const title of ["group a", "group b", "group c"])
      events.push(await createTodo(db, `${name} ${title}`));
    return { clients, t, publisher, events };
  }

  it("publishes a pass's todo events as one message that carries them in order, with their type", async () => {
    const { clients, t, publisher, events } = await setup("one-message");
    await publisher.publish(events);
    const got = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: t.queues.calendar.url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 5,
        MessageAttributeNames: ["All"],
      }),
    );
    expect(got.Messages).toHaveLength(1);
    const [m] = got.Messages ?? [];
    expect(decodeEventMessage(m?.Body)).toEqual({ ok: true, events });
    expect(m?.MessageAttributes?.type?.StringValue).toBe("TodoCreated");
    expect(m?.MessageAttributes?.eventCount?.StringValue).toBe("3");
  });

  it("hands each event of a group to the handler; one that keeps failing brings the group back whole, and its last attempt reports only that one", async () => {
    const { t, publisher, events } = await setup("group-fails");
    const failing = events[1]?.id;
    const attempts = new Map<string, number[]>();
    const exhausted: string[] = [];
    await consume(
      t.queues.calendar.url,
      "group-fails",
      async (event, ctx) => {
        attempts.set(event.id, [...(attempts.get(event.id) ?? []), ctx.receiveCount]);
        if (event.id === failing) throw new Error("this one is on fire");
        return "done";
      },
      { onExhausted: (event) => void exhausted.push(event.id) },
    );
    await publisher.publish(events);
    const [dead] = await dlqMessages(t.queues.calendar.dlqUrl, 1);
    expect(decodeEventMessage(dead?.body)).toEqual({ ok: true, events });
    // Every attempt of the message hands over all three (a consumer's inbox absorbs the repeats).
    expect(Object.fromEntries(attempts)).toEqual(Object.fromEntries(events.map((e) => [e.id, [1, 2, 3]])));
    expect(exhausted).toEqual([failing]);
  });

  it("hands back only a group's events that wait at a barrier, and deletes the message once they are done", async () => {
    const { clients, t, publisher, events } = await setup("group-waits");
    const waiting = events[2]?.id;
    const calls = new Map<string, number>();
    await consume(t.queues.calendar.url, "group-waits", async (event, ctx) => {
      calls.set(event.id, (calls.get(event.id) ?? 0) + 1);
      if (event.id === waiting && (calls.get(event.id) ?? 0) < 4) return { retryInMs: 5 };
      expect(ctx.receiveCount).toBe(1);
      return "done";
    });
    await publisher.publish(events);
    await waitFor(() => calls.get(waiting ?? "") === 4, { what: "the waiting event's fourth try" });
    await waitFor(
      async () => {
        const c = await queueCounts(clients.sqs, t.queues.calendar.url);
        return c.visible === 0 && c.inFlight === 0;
      },
      { what: "the message deleted" },
    );
    expect(Object.fromEntries(calls)).toEqual({
      [events[0]?.id ?? ""]: 1,
      [events[1]?.id ?? ""]: 1,
      [waiting ?? ""]: 4,
    });
  });

  it("sends a group with an invalid event straight to the DLQ, and hands none of its events to the handler", async () => {
    const { clients, t, events } = await setup("group-invalid");
    const handled: string[] = [];
    await consume(t.queues.calendar.url, "group-invalid", async (event) => {
      handled.push(event.id);
      return "done";
    });
    const body = JSON.stringify([events[0], { ...events[1], id: "nope" }]);
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: t.queues.calendar.url, MessageBody: body }));
    const [dead] = await dlqMessages(t.queues.calendar.dlqUrl, 1);
    expect(dead).toEqual({ body, reason: expect.stringMatching(/^event 1 of the group is not valid: /) });
    expect(handled).toEqual([]);
  });
});
