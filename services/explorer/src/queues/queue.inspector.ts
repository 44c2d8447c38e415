import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListMessageMoveTasksCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from "@aws-sdk/client-sqs";
import type { QueueKey, QueuePlan, TopologyPlan } from "@taskoverflow/messaging";
import { errorText, type Logger } from "@taskoverflow/platform";

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

export interface RedriveResult {
  mode: "move-task" | "copy";
  /** Messages moved by this call (copy mode); a move task reports progress in SQS, not here. */
  moved: number;
  taskHandle?: string;
}

const PEEK_VISIBILITY_SECONDS = 5;
const BODY_CHARS = 2_000;
const COPY_MAX_PER_CALL = 1_000;

/** Errors an endpoint answers for an action it does not implement (fauxqs, moto, older LocalStack). */
function isUnsupported(err: unknown): boolean {
  const e = err as {
    name?: string;
    Code?: string;
    $metadata?: { httpStatusCode?: number };
    message?: string;
  };
  const text = `${e.name ?? ""} ${e.Code ?? ""} ${e.message ?? ""}`;
  return (
    /InvalidAction|UnknownOperation|UnsupportedOperation|NotImplemented|not (yet )?(implemented|supported)|Unknown action|UnrecognizedClient|is not valid for this/i.test(
      text,
    ) ||
    e.$metadata?.httpStatusCode === 501 ||
    // An answer that is not an AWS error document at all (moto serves an HTML error page).
    e.name === "SyntaxError"
  );
}

/**
 * The SQS adapter of the explorer's queue views: depths from GetQueueAttributes, a peek into a dead-letter
 * queue that gives every message back at once, and redrive. Queues are found by their names in the topology
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
  const urls = new Map<string, string>();
  let moveTaskSupported = redriveMode === "auto";

  async function urlOf(name: string): Promise<string> {
    const known = urls.get(name);
    if (known) return known;
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    if (!QueueUrl) throw new Error(`queue ${name} has no URL`);
    urls.set(name, QueueUrl);
    return QueueUrl;
  }

  async function attributes(name: string, names: string[]): Promise<Record<string, string>> {
    const got = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: await urlOf(name),
        AttributeNames: names as never,
      }),
    );
    return got.Attributes ?? {};
  }

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

  async function release(url: string, messages: Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      const batch = messages.slice(i, i + 10);
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: url,
          Entries: batch.map((m, n) => ({
            Id: String(n),
            ReceiptHandle: m.ReceiptHandle as string,
            VisibilityTimeout: 0,
          })),
        }),
      );
    }
  }

  async function copyBack(q: QueuePlan): Promise<number> {
    const [source, dlq] = [await urlOf(q.name), await urlOf(q.dlqName)];
    // At most what the DLQ held when asked: a message that fails again at once and comes back is moved by the
    // next redrive, not in a loop by this one.
    const held = Number(
      (await attributes(q.dlqName, ["ApproximateNumberOfMessages"])).ApproximateNumberOfMessages ?? 0,
    );
    const budget = Math.min(held, COPY_MAX_PER_CALL);
    let moved = 0;
    while (moved < budget) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: dlq,
          MaxNumberOfMessages: Math.min(10, budget - moved),
          VisibilityTimeout: 30,
          WaitTimeSeconds: 0,
          MessageAttributeNames: ["All"],
        }),
      );
      if (Messages.length === 0) break;
      // Sent first, deleted after: a crash in between leaves a copy in both, which the consumers' inboxes
      // make harmless. Never the other way round, which could lose a message.
      const sent = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: source,
          Entries: Messages.map((m, n) => ({
            Id: String(n),
            MessageBody: m.Body ?? "",
            ...(m.MessageAttributes && Object.keys(m.MessageAttributes).length > 0
              ? { MessageAttributes: m.MessageAttributes }
              : {}),
          })),
        }),
      );
      const ok = new Set((sent.Successful ?? []).map((s) => s.Id));
      const done = Messages.filter((_, n) => ok.has(String(n)));
      if (done.length > 0) {
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: dlq,
            Entries: done.map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle as string })),
          }),
        );
      }
      const failed = Messages.filter((_, n) => !ok.has(String(n)));
      if (failed.length > 0) await release(dlq, failed);
      moved += done.length;
      if (done.length === 0) break;
    }
    return moved;
  }

  async function moveTask(q: QueuePlan): Promise<RedriveResult | undefined> {
    const [dlqArn, sourceArn] = await Promise.all([
      attributes(q.dlqName, ["QueueArn"]).then((a) => a.QueueArn),
      attributes(q.name, ["QueueArn"]).then((a) => a.QueueArn),
    ]);
    try {
      const started = await sqs.send(
        new StartMessageMoveTaskCommand({ SourceArn: dlqArn, DestinationArn: sourceArn }),
      );
      return {
        mode: "move-task",
        moved: 0,
        ...(started.TaskHandle ? { taskHandle: started.TaskHandle } : {}),
      };
    } catch (err) {
      if (isUnsupported(err)) {
        log.info({ err: errorText(err) }, "endpoint has no StartMessageMoveTask: redrive by copy");
        moveTaskSupported = false;
        return undefined;
      }
      // One move task per queue at a time: a second redrive while one runs is the same request, answered alike.
      const running = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn, MaxResults: 1 }));
      const task = running.Results?.[0];
      if (task?.Status === "RUNNING") {
        return { mode: "move-task", moved: 0, ...(task.TaskHandle ? { taskHandle: task.TaskHandle } : {}) };
      }
      throw err;
    }
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
    async redrive(q: QueuePlan): Promise<RedriveResult> {
      if (moveTaskSupported) {
        const started = await moveTask(q);
        if (started) return started;
      }
      return { mode: "copy", moved: await copyBack(q) };
    },
  };
}

export type QueueInspector = ReturnType<typeof createQueueInspector>;
