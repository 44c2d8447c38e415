// The benchmark's comparator (raw-aws.ts, `npm run bench -- sdk`) makes the same calls as the SDK, with the
// same effect: what it publishes arrives with its attributes, what it deletes is gone, what it stores the SDK
// reads back. A comparator that did less would make the SDK look dearer than it is.
import { CreateBucketCommand, GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { DomainEvent } from "@taskoverflow/contracts";
import { todoEvent } from "@taskoverflow/contracts/testing";
import { type AwsEndpoint, awsEmulators, uniqueName, waitFor } from "@taskoverflow/test-harness";
import { ensureTopology, type TopologyAddresses } from "../src/index.ts";
import { awsClients, queueCounts } from "./pipeline.ts";
import { rawAws } from "./raw-aws.ts";
import { sampleCalendar } from "./sdk-cost.ts";

const event = (title: string): DomainEvent =>
  todoEvent("TodoCreated", { title }, { correlationId: `corr-${title}` });

describe.each(awsEmulators())("the raw AWS calls of bench sdk on $name", ({ start }) => {
  let aws: AwsEndpoint;
  let clients: ReturnType<typeof awsClients>;
  let s3: S3Client;
  let raw: ReturnType<typeof rawAws>;
  let topology: TopologyAddresses;
  beforeAll(async () => {
    aws = await start();
    clients = awsClients(aws);
    s3 = new S3Client({ ...aws, forcePathStyle: true });
    raw = rawAws(aws);
    topology = await ensureTopology(clients, { prefix: `${uniqueName("raw")}-` });
  });
  afterAll(async () => {
    raw.destroy();
    s3.destroy();
    clients.sns.destroy();
    clients.sqs.destroy();
    await aws.stop();
  });

  it("publish a batch that arrives with its attributes, receive it and delete it", async () => {
    const events = ["milk", "eggs & bread", "100% 'quoted' \"text\" + more"].map(event);
    const taken = await raw.publishBatch(
      topology.topicArn,
      events.map((e, i) => ({
        id: String(i),
        message: JSON.stringify(e),
        attributes: { type: e.type, correlationId: e.correlationId },
      })),
    );
    expect(taken.sort()).toEqual(["0", "1", "2"]);

    const queueUrl = topology.queues.calendar.url;
    const got: Array<{ ReceiptHandle: string; Body: string }> = [];
    await waitFor(
      async () => {
        got.push(...(await raw.receiveMessages(queueUrl, 10)));
        return got.length >= 3;
      },
      { what: "the three messages" },
    );
    expect(
      got.map((m) => JSON.parse(m.Body) as DomainEvent).sort((a, b) => a.id.localeCompare(b.id)),
    ).toEqual([...events].sort((a, b) => a.id.localeCompare(b.id)));

    await raw.deleteMessages(
      queueUrl,
      got.map((m) => m.ReceiptHandle),
    );
    expect(await queueCounts(clients.sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0 });
  });

  it("publish the message attributes the subscriptions filter on", async () => {
    const e = event("attributes");
    await raw.publishBatch(topology.topicArn, [
      { id: "0", message: JSON.stringify(e), attributes: { type: e.type, correlationId: e.correlationId } },
    ]);
    let attributes: Record<string, string | undefined> = {};
    await waitFor(
      async () => {
        const r = await clients.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: topology.queues.calendar.url,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            MessageAttributeNames: ["All"],
          }),
        );
        const m = r.Messages?.[0];
        if (m)
          attributes = {
            type: m.MessageAttributes?.type?.StringValue,
            correlationId: m.MessageAttributes?.correlationId?.StringValue,
          };
        return m !== undefined;
      },
      { what: "the message" },
    );
    expect(attributes).toEqual({ type: "TodoCreated", correlationId: "corr-attributes" });
  });

  it("store an object the SDK reads back, and read it back itself", async () => {
    const bucket = uniqueName("raw-bucket");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const calendar = sampleCalendar(20);
    await raw.putObject(bucket, "calendars/a b.ics", calendar, "text/calendar");
    const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "calendars/a b.ics" }));
    expect(r.ContentType).toBe("text/calendar");
    expect(await r.Body?.transformToString()).toBe(calendar);
    expect(await raw.getObject(bucket, "calendars/a b.ics")).toBe(calendar);
  });
});
