import { type Message, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { QueueKey, QueuePlan, TopologyPlan } from "@taskoverflow/messaging";
import { errorText, type Logger } from "@taskoverflow/platform";
import { createRedrive } from "./queue.redrive.ts";
import { createQueueAccess } from "./queue.sqs.ts";

export type { RedriveResult } from "./queue.redrive.ts";

export interface QueueCounts {
  visible: number;
  inFlight: number;
  delayed: number;
}

export interface QueueView {
  key: QueueKey;
  name: string;
  description: string;
  /** The subscription's filter policy on `type`; null: none (every event). */
  filterPolicy: { type: string[] } | null;
  maxReceiveCount: number;
  counts: QueueCounts | null;
  deadLetter: { name: string; counts: QueueCounts | null };
  /** Why counts are null (the queue is missing or not readable), else absent. */
  error?: string;
}

export interface PeekedMessage {
  messageId: string;
  /** How often the message was received in all (its source queue's attempts plus peeks). */
  receiveCount: number;
  sentAt: string | null;
  /** The `type` message attribute, when it had one. */
  type: string | null;
  /** The body, cut at `bodyBytes` characters. */
  body: string;
  bodyBytes: number;
}

const PEEK_VISIBILITY_SECONDS = 5;
const BODY_CHARS = 2_000;

/**
 * The SQS adapter of the explorer's queue views: depths from GetQueueAttributes, a peek into a dead-letter
 * queue that gives every message back at once, and redrive (queue.redrive.ts). Queues are found by their names in the topology
 * plan (GetQueueUrl), so the explorer needs no list of URLs.
 */
export function createQueueInspector({
  sqs,
  plan,
  redriveMode,
  log,
}: {
  sqs: SQSClient;
  plan: TopologyPlan;
  redriveMode: "auto" | "copy";
  log: Logger;
}) {
  const access = createQueueAccess(sqs);
  const { urlOf, attributes, release } = access;
  const { redrive } = createRedrive({ sqs, access, redriveMode, log });

  async function counts(name: string): Promise<QueueCounts> {
    const a = await attributes(name, [
      "ApproximateNumberOfMessages",
      "ApproximateNumberOfMessagesNotVisible",
      "ApproximateNumberOfMessagesDelayed",
    ]);
    return {
      visible: Number(a.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
    };
  }

  const queueOf = (key: string): QueuePlan | undefined => plan.queues.find((q) => q.key === key);

  async function view(q: QueuePlan): Promise<QueueView> {
    const base = {
      key: q.key,
      name: q.name,
      description: q.description,
      filterPolicy: q.filterPolicy,
      maxReceiveCount: q.maxReceiveCount,
    };
    const [main, dlq] = await Promise.allSettled([counts(q.name), counts(q.dlqName)]);
    const failed = [main, dlq].find((r) => r.status === "rejected");
    return {
      ...base,
      counts: main.status === "fulfilled" ? main.value : null,
      deadLetter: { name: q.dlqName, counts: dlq.status === "fulfilled" ? dlq.value : null },
      ...(failed ? { error: errorText(failed.reason) } : {}),
    };
  }

  /** Receives up to `limit` messages of a queue, keeping them invisible until `release` is called. */
  async function receiveAll(url: string, limit: number, visibility: number): Promise<Message[]> {
    const got = new Map<string, Message>();
    while (got.size < limit) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: Math.min(10, limit - got.size),
          VisibilityTimeout: visibility,
          WaitTimeSeconds: 0,
          MessageAttributeNames: ["All"],
          MessageSystemAttributeNames: ["ApproximateReceiveCount", "SentTimestamp"],
        }),
      );
      const fresh = Messages.filter((m) => m.MessageId && !got.has(m.MessageId));
      if (fresh.length === 0) break;
      for (const m of fresh) got.set(m.MessageId as string, m);
    }
    return [...got.values()];
  }

  return {
    queueOf,
    async queues(): Promise<QueueView[]> {
      return Promise.all(plan.queues.map(view));
    },
    /** The first `limit` messages of a queue's DLQ, each made visible again before this returns. */
    async peek(q: QueuePlan, limit: number): Promise<PeekedMessage[]> {
      const url = await urlOf(q.dlqName);
      const messages = await receiveAll(url, limit, PEEK_VISIBILITY_SECONDS);
      try {
        return messages.map((m) => ({
          messageId: m.MessageId as string,
          receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 0),
          sentAt: m.Attributes?.SentTimestamp
            ? new Date(Number(m.Attributes.SentTimestamp)).toISOString()
            : null,
          type: m.MessageAttributes?.type?.StringValue ?? null,
          body: (m.Body ?? "").slice(0, BODY_CHARS),
          bodyBytes: Buffer.byteLength(m.Body ?? ""),
        }));
      } finally {
        await release(url, messages);
      }
    },
    /** Moves a DLQ's messages back to its work queue; repeating it moves what is left (nothing, when empty). */
    redrive,
  };
}

export type QueueInspector = ReturnType<typeof createQueueInspector>;
