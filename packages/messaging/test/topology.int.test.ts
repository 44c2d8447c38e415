import { ListSubscriptionsByTopicCommand } from "@aws-sdk/client-sns";
import { GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { type DomainEvent, type EventType, eventTypes } from "@taskoverflow/contracts";
import { oneOfEach as everyEventType } from "@taskoverflow/contracts/testing";
import { type AwsEndpoint, awsEmulators, uniqueName, waitFor } from "@taskoverflow/test-harness";
import { createSnsPublisher, ensureTopology } from "../src/index.ts";
import { awsClients } from "./pipeline.ts";

const oneOfEach: DomainEvent[] = everyEventType({ correlationId: "corr-topology" });

async function drain(sqs: SQSClient, url: string, expected: number) {
  const got: Array<{ body: DomainEvent; type: string | undefined; correlationId: string | undefined }> = [];
  await waitFor(
    async () => {
      const r = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageAttributeNames: ["All"],
        }),
      );
      for (const m of r.Messages ?? []) {
        got.push({
          body: JSON.parse(m.Body ?? "") as DomainEvent,
          type: m.MessageAttributes?.type?.StringValue,
          correlationId: m.MessageAttributes?.correlationId?.StringValue,
        });
      }
      return got.length >= expected;
    },
    { what: `${expected} messages on ${url}` },
  );
  // Anything more would be a filter policy letting through a type it should not.
  const extra = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
  );
  return { got, extra: extra.Messages ?? [] };
}

describe.each(awsEmulators())("topology on $name", ({ start }) => {
  let aws: AwsEndpoint;
  let clients: ReturnType<typeof awsClients>;
  beforeAll(async () => {
    aws = await start();
    clients = awsClients(aws);
  });
  afterAll(async () => {
    clients.sns.destroy();
    clients.sqs.destroy();
    await aws.stop();
  });

  it("is created idempotently: a second run returns the same addresses and adds nothing", async () => {
    const prefix = `${uniqueName("topo")}-`;
    const first = await ensureTopology(clients, { prefix });
    const second = await ensureTopology(clients, { prefix, visibilityTimeoutSeconds: 7 });
    expect(second).toEqual(first);
    expect(first.topicArn).toMatch(new RegExp(`:${prefix}events$`));
    const subs = await clients.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: first.topicArn }));
    expect(subs.Subscriptions?.map((s) => s.Endpoint).sort()).toEqual(
      [first.queues.calendar.arn, first.queues["job-status"].arn, first.queues.explorer.arn].sort(),
    );
    const attrs = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: first.queues.calendar.url, AttributeNames: ["All"] }),
    );
    expect(attrs.Attributes?.VisibilityTimeout).toBe("7");
    expect(JSON.parse(attrs.Attributes?.RedrivePolicy ?? "{}")).toEqual(
      expect.objectContaining({ deadLetterTargetArn: first.queues.calendar.dlqArn }),
    );
    expect(JSON.parse(attrs.Attributes?.Policy ?? "{}").Statement[0].Condition).toEqual({
      ArnEquals: { "aws:SourceArn": first.topicArn },
    });
  });

  it("fans each event out by its type attribute, raw, to the queues that subscribe to it", async () => {
    const addresses = await ensureTopology(clients, { prefix: `${uniqueName("fan")}-` });
    const publisher = createSnsPublisher({ sns: clients.sns, topicArn: addresses.topicArn });
    await publisher.publish(oneOfEach);

    const expectTypes = (types: readonly EventType[], got: Awaited<ReturnType<typeof drain>>) => {
      expect(got.extra).toEqual([]);
      expect(got.got.map((m) => m.body.type).sort()).toEqual([...types].sort());
      for (const m of got.got) {
        expect(m.type).toBe(m.body.type);
        expect(m.correlationId).toBe("corr-topology");
        expect(oneOfEach).toContainEqual(m.body);
      }
    };
    expectTypes(
      ["TodoCreated", "TodoUpdated", "TodoDeleted", "CalendarRequested"],
      await drain(clients.sqs, addresses.queues.calendar.url, 4),
    );
    expectTypes(
      ["CalendarRequested", "CalendarStarted", "CalendarReady", "CalendarFailed"],
      await drain(clients.sqs, addresses.queues["job-status"].url, 4),
    );
    // The explorer's subscription has no filter policy: every event, whatever its type.
    expectTypes(eventTypes, await drain(clients.sqs, addresses.queues.explorer.url, eventTypes.length));
    expect(eventTypes).toHaveLength(oneOfEach.length);
  });
});
