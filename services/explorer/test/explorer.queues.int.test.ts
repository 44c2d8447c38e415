// The explorer's view of the topology's queues, and its dead-letter tools: peek, redrive, poison messages.
import { describe, expect, it } from "@jest/globals";
import { todoEvent } from "@taskoverflow/contracts/testing";
import { awsEmulators, publishRaw, sendRaw, uniqueName, waitFor } from "@taskoverflow/test-harness";
import { type QueueView, useExplorer } from "./explorer.fixture.ts";

describe.each(awsEmulators())("explorer's queues and dead letters on $name", ({ start }) => {
  const { world, api, json, eventsOf, queue } = useExplorer(start);

  it("shows every queue of the topology with its dead-letter queue and counts", async () => {
    const body = await json<{ topic: string; queues: QueueView[] }>("/queues");
    expect(body.topic).toBe(`${world.prefix}events`);
    expect(body.queues.map((q) => [q.key, q.name, q.deadLetter.name])).toEqual([
      ["calendar", `${world.prefix}calendar`, `${world.prefix}calendar-dlq`],
      ["job-status", `${world.prefix}job-status`, `${world.prefix}job-status-dlq`],
      ["explorer", `${world.prefix}explorer`, `${world.prefix}explorer-dlq`],
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
    const dlq = world.topology.queues["job-status"].dlqUrl;
    const bodies = ["one", "two", "three"].map((n) => JSON.stringify({ poison: n }));
    for (const body of bodies) {
      await sendRaw(world.sqs, dlq, body, "CalendarReady");
    }
    const peek = () =>
      json<{ queue: string; deadLetterQueue: string; messages: Array<{ body: string; type: string }> }>(
        "/dead-letters/job-status",
      );
    const waiting = (await queue("job-status")).counts?.visible ?? 0;
    const first = await peek();
    expect(first.deadLetterQueue).toBe(`${world.prefix}job-status-dlq`);
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
    await publishRaw(world.sns, world.topology.topicArn, '{"not":"an event"}', "TodoCreated");
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
    await sendRaw(world.sqs, world.topology.queues.explorer.dlqUrl, JSON.stringify(good), good.type);
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
});
