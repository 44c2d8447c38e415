import { randomUUID } from "node:crypto";
import type { PublishBatchCommand, SNSClient } from "@aws-sdk/client-sns";
import { describe, expect, it } from "@jest/globals";
import { calendarEvents, todoEvent } from "@taskoverflow/contracts/testing";
import { PartialPublishError } from "./ports.ts";
import { createSnsPublisher } from "./sns.publisher.ts";

// SNS answers per entry; a refused entry is what no emulator produces on demand, so these tests answer the
// calls themselves. What a real topic does with the entries is in test/events.groups.int.test.ts.
function answering(
  refuse: (call: number, entry: number) => boolean,
  options: { groupMaxEvents?: number } = {},
) {
  const calls: PublishBatchCommand["input"][] = [];
  const sns = {
    async send(command: PublishBatchCommand) {
      const call = calls.push(command.input) - 1;
      const entries = command.input.PublishBatchRequestEntries ?? [];
      return {
        Successful: entries.filter((_, i) => !refuse(call, i)).map((e) => ({ Id: e.Id })),
        Failed: entries
          .filter((_, i) => refuse(call, i))
          .map((e) => ({ Id: e.Id, Code: "InternalError", SenderFault: false, Message: "try again" })),
      };
    },
  } as unknown as SNSClient;
  const topicArn = "arn:aws:sns:us-east-1:000000000000:t";
  return { calls, publisher: createSnsPublisher({ sns, topicArn, ...options }) };
}

describe("createSnsPublisher", () => {
  it("sends a group as one entry with its type, count and shared correlation id", async () => {
    const { calls, publisher } = answering(() => false);
    const group = [1, 2, 3].map((id) => todoEvent("TodoCreated", { id }, { correlationId: "c" }));
    await publisher.publish(group);
    expect(calls).toHaveLength(1);
    const [entry] = calls[0]?.PublishBatchRequestEntries ?? [];
    expect(JSON.parse(entry?.Message ?? "")).toEqual(group);
    expect(entry?.MessageAttributes).toEqual({
      type: { DataType: "String", StringValue: "TodoCreated" },
      correlationId: { DataType: "String", StringValue: "c" },
      eventCount: { DataType: "Number", StringValue: "3" },
    });
  });

  it("reports every event of a refused group as failed, and the events of the entries SNS took as published", async () => {
    // Entry 0: the TodoCreated group; entry 1: the request; entry 2: the TodoUpdated group (refused).
    const { publisher } = answering((_call, entry) => entry === 2);
    const created = [todoEvent("TodoCreated", { id: 1 }), todoEvent("TodoCreated", { id: 2 })];
    const request = calendarEvents.requested(randomUUID());
    const updated = [
      todoEvent("TodoUpdated", { id: 1, version: 2 }),
      todoEvent("TodoUpdated", { id: 2, version: 2 }),
    ];
    const [c1, c2] = created;
    const [u1, u2] = updated;
    const error = await publisher
      .publish([c1, request, u1, c2, u2].filter((e) => e !== undefined))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartialPublishError);
    const partial = error as PartialPublishError;
    expect(partial.publishedIds.sort()).toEqual([...created, request].map((e) => e.id).sort());
    expect(partial.failed.map((f) => f.id).sort()).toEqual(updated.map((e) => e.id).sort());
    expect(partial.failed[0]?.reason).toBe("InternalError: try again");
  });

  it("sends every event alone with groupMaxEvents 1, as consumers without groups read them", async () => {
    const { calls, publisher } = answering(() => false, { groupMaxEvents: 1 });
    const events = [1, 2, 3].map((id) => todoEvent("TodoCreated", { id }));
    await publisher.publish(events);
    const bodies = calls.flatMap((c) => c.PublishBatchRequestEntries ?? []).map((e) => e.Message);
    expect(bodies).toEqual(events.map((e) => JSON.stringify(e)));
    expect(() => createSnsPublisher({ sns: {} as SNSClient, topicArn: "t", groupMaxEvents: 0 })).toThrow(
      RangeError,
    );
  });
});
