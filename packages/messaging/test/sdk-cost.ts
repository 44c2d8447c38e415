// What one AWS call costs the caller's CPU, through the AWS SDK as the services make it and through the same
// request written out over node:http (raw-aws.ts), against an emulator in a process of its own. Run by
// `npm run bench -- sdk` (bench/sdk.ts).

import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { PublishBatchCommand } from "@aws-sdk/client-sns";
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import type { DomainEvent } from "@taskoverflow/contracts";
import { todoEvent } from "@taskoverflow/contracts/testing";
import type { AwsEndpoint } from "@taskoverflow/test-harness";
import { awsClients, createSnsPublisher, ensureTopology } from "../src/index.ts";
import { rawAws } from "./raw-aws.ts";

export type Transport = "sdk" | "raw";
export type CallKind = "publish 10" | "publish 1" | "receive 10 + delete" | "s3 put" | "s3 get";
/** What each kind is, for a table, in the table's order. */
export const callLabels: Record<CallKind, string> = {
  "publish 10": "SNS PublishBatch, 10 messages of an event each",
  "publish 1": "SNS PublishBatch, 1 event",
  "receive 10 + delete": "SQS ReceiveMessage (up to 10) + DeleteMessageBatch",
  "s3 put": "S3 PutObject, a calendar",
  "s3 get": "S3 GetObject, the same",
};
export const callKinds = Object.keys(callLabels) as CallKind[];

export interface CallCost {
  transport: Transport;
  kind: CallKind;
  /** The caller's CPU (user + system) per call, ms. */
  cpuMs: number;
  /** Wall time per call, ms (calls in sequence). */
  wallMs: number;
  /** Messages per receive (receive calls only). */
  perReceive?: number;
}

/** A todo event as the relay publishes it (the envelope, a todo with a deadline, its sequence). */
function relayedTodoEvent(i: number): DomainEvent {
  const now = new Date().toISOString();
  const event = todoEvent(
    "TodoCreated",
    {
      id: i + 1,
      title: `Buy milk and eggs ${i}`,
      description: "On the way home, from the shop on the corner",
      deadlineAt: now,
      createdAt: now,
      updatedAt: now,
    },
    { correlationId: crypto.randomUUID() },
  );
  return { ...event, sequence: i + 1 };
}

/** A calendar of `events` VEVENTs, about the size the calendar service stores for as many todos. */
export function sampleCalendar(events: number): string {
  const lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//TaskOverflow//bench//EN"];
  for (let i = 0; i < events; i++)
    lines.push(
      "BEGIN:VEVENT",
      `UID:todo-${i + 1}@taskoverflow`,
      "SEQUENCE:1",
      "DTSTAMP:20261203T120000Z",
      "DTSTART:20261210T090000Z",
      "DTEND:20261210T100000Z",
      `SUMMARY:Buy milk and eggs ${i}`,
      "DESCRIPTION:On the way home\\, from the shop on the corner",
      "STATUS:CONFIRMED",
      "END:VEVENT",
    );
  lines.push("END:VCALENDAR");
  return `${lines.join("\r\n")}\r\n`;
}

/**
 * The services' clients (aws.clients.ts, their options), with credentials from the environment as the services
 * take theirs: the caller sets AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
 *
 * Measures each call kind `calls` times per transport in each of `rounds` rounds (the transports' order alternates
 * round by round, so a machine that slows down mid-run does not favour one), on the given emulator.
 */
export async function measureCallCosts(
  aws: AwsEndpoint,
  { calls, rounds, calendarEvents }: { calls: number; rounds: number; calendarEvents: number },
  onRound?: (costs: CallCost[]) => void,
): Promise<CallCost[][]> {
  const sdk = awsClients({ endpoint: aws.endpoint, region: aws.region });
  const raw = rawAws(aws);
  try {
    const topology = await ensureTopology(sdk, { prefix: "sdkcost-" });
    const queueUrl = topology.queues.calendar.url;
    const bucket = "sdkcost-calendars";
    await sdk.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const publisher = createSnsPublisher({ sns: sdk.sns, topicArn: topology.topicArn });
    const events = Array.from({ length: 10 }, (_, i) => relayedTodoEvent(i));
    const entries = (n: number) =>
      events.slice(0, n).map((e, i) => ({
        id: String(i),
        message: JSON.stringify(e),
        attributes: { type: e.type, correlationId: e.correlationId },
      }));
    const calendar = sampleCalendar(calendarEvents);
    let received = 0;

    const call: Record<Transport, Record<CallKind, (i: number) => Promise<unknown>>> = {
      sdk: {
        // Ten entries as raw's: through the publisher, ten todo events would be one message (a group).
        "publish 10": () =>
          sdk.sns.send(
            new PublishBatchCommand({
              TopicArn: topology.topicArn,
              PublishBatchRequestEntries: entries(10).map((e) => ({
                Id: e.id,
                Message: e.message,
                MessageAttributes: {
                  type: { DataType: "String", StringValue: e.attributes.type },
                  correlationId: { DataType: "String", StringValue: e.attributes.correlationId },
                },
              })),
            }),
          ),
        "publish 1": () => publisher.publish(events.slice(0, 1)),
        "receive 10 + delete": async () => {
          const r = await sdk.sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: queueUrl,
              MaxNumberOfMessages: 10,
              WaitTimeSeconds: 0,
              MessageSystemAttributeNames: ["ApproximateReceiveCount"],
              MessageAttributeNames: ["All"],
            }),
          );
          const messages = r.Messages ?? [];
          received += messages.length;
          for (const m of messages) JSON.parse(m.Body ?? "null");
          if (messages.length > 0)
            await sdk.sqs.send(
              new DeleteMessageBatchCommand({
                QueueUrl: queueUrl,
                Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
              }),
            );
        },
        "s3 put": (i) =>
          sdk.s3.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: `c/${i}.ics`,
              Body: calendar,
              ContentType: "text/calendar",
            }),
          ),
        "s3 get": async (i) => {
          const r = await sdk.s3.send(new GetObjectCommand({ Bucket: bucket, Key: `c/${i}.ics` }));
          await r.Body?.transformToString();
        },
      },
      raw: {
        "publish 10": () => raw.publishBatch(topology.topicArn, entries(10)),
        "publish 1": () => raw.publishBatch(topology.topicArn, entries(1)),
        "receive 10 + delete": async () => {
          const messages = await raw.receiveMessages(queueUrl, 10);
          received += messages.length;
          for (const m of messages) JSON.parse(m.Body);
          if (messages.length > 0)
            await raw.deleteMessages(
              queueUrl,
              messages.map((m) => m.ReceiptHandle),
            );
        },
        "s3 put": (i) => raw.putObject(bucket, `c/${i}.ics`, calendar, "text/calendar"),
        "s3 get": (i) => raw.getObject(bucket, `c/${i}.ics`),
      },
    };

    const measure = async (transport: Transport, kind: CallKind): Promise<CallCost> => {
      const f = call[transport][kind];
      // Warm-up: the JIT, the connections.
      for (let i = 0; i < 20; i++) await f(i);
      received = 0;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < calls; i++) await f(i);
      const wall = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      return {
        transport,
        kind,
        cpuMs: (cpu.user + cpu.system) / 1000 / calls,
        wallMs: wall / calls,
        ...(kind === "receive 10 + delete" && { perReceive: received / calls }),
      };
    };

    const all: CallCost[][] = [];
    for (let r = 0; r < rounds; r++) {
      const order: Transport[] = r % 2 === 0 ? ["sdk", "raw"] : ["raw", "sdk"];
      const costs: CallCost[] = [];
      // Publishing fills the queue that the receives then drain: publish both ways before receiving either.
      for (const kinds of [
        ["publish 10", "publish 1"],
        ["receive 10 + delete"],
        ["s3 put", "s3 get"],
      ] as const)
        for (const transport of order) for (const kind of kinds) costs.push(await measure(transport, kind));
      all.push(costs);
      onRound?.(costs);
    }
    return all;
  } finally {
    sdk.destroy();
    raw.destroy();
  }
}
