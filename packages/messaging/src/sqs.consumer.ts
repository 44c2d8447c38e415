import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { type DomainEvent, parseEvent } from "@taskoverflow/contracts";
import type { Logger } from "@taskoverflow/platform";
import { backoffDelay } from "./backoff.ts";

/**
 * What a handler answers: `done` (deleted), `retryLater` (redelivered by SQS after a backoff), or
 * `{ retryInMs }`: a barrier that is not open yet; the consumer hands the message to the handler again after
 * that delay, in process, without holding a concurrency slot meanwhile and without a new receive (so the wait
 * does not count towards the redrive policy). Delays are capped at 1 s; longer waits use `retryLater`.
 */
export type HandlerOutcome = "done" | "retryLater" | { retryInMs: number };

export interface MessageContext {
  /** Child logger carrying correlationId, eventId, type, messageId and receiveCount. */
  log: Logger;
  /** 1 on the first delivery. */
  receiveCount: number;
  /** How long this delivery has waited in process after `{ retryInMs }` answers (0 on the first try). */
  waitedMs: number;
}

export type EventHandler = (event: DomainEvent, ctx: MessageContext) => Promise<HandlerOutcome>;

export interface SqsConsumerOptions {
  sqs: SQSClient;
  queueUrl: string;
  handler: EventHandler;
  log: Logger;
  /** Messages handled at the same time. Default 10. */
  concurrency?: number;
  /** Long-poll wait. Default 20 s. */
  waitTimeSeconds?: number;
  /** Default: the queue's VisibilityTimeout attribute, read at start. */
  visibilityTimeoutSeconds?: number;
  /** Default: the queue's redrive policy, read at start. */
  maxReceiveCount?: number;
  /** Where invalid messages go. Default: the redrive policy's dead-letter queue. */
  dlqUrl?: string;
  /** Retry delay after a failure is min(max, base * 2^(receiveCount-1)) with jitter. Defaults 2 s and 300 s. */
  retryBaseSeconds?: number;
  retryMaxSeconds?: number;
  /** Called on the last attempt of a message that keeps failing, before the redrive policy dead-letters it. */
  onExhausted?: (event: DomainEvent, error: unknown) => Promise<void> | void;
}

export interface SqsConsumer {
  start(): Promise<void>;
  /** Stops receiving, lets handlers in flight finish, deletes what they completed, then resolves. */
  stop(): Promise<void>;
}

/**
 * An SQS consumer for domain events. At least once in, effectively once out when the handler uses
 * `processOnce`. Every message is validated against the contracts; an invalid one goes straight to the
 * dead-letter queue. A failing one is retried through the visibility timeout with backoff, and the queue's
 * redrive policy dead-letters it after `maxReceiveCount` receives.
 */
export function createSqsConsumer(options: SqsConsumerOptions): SqsConsumer {
  const { sqs, queueUrl, handler, log, concurrency = 10, waitTimeSeconds = 20, onExhausted } = options;
  const retryBaseSeconds = options.retryBaseSeconds ?? 2;
  const retryMaxSeconds = options.retryMaxSeconds ?? 300;
  let visibilityTimeout = options.visibilityTimeoutSeconds ?? 30;
  let maxReceiveCount = options.maxReceiveCount ?? Number.POSITIVE_INFINITY;
  let dlqUrl = options.dlqUrl;
  let running = false;
  let loop: Promise<void> | undefined;
  let abort = new AbortController();
  const inflight = new Set<Promise<void>>();
  /** Messages waiting in process after a `{ retryInMs }` answer, with how to cancel the wait. */
  const parked = new Map<Message, () => void>();
  const deletes = createDeleter(sqs, queueUrl, log);

  async function readQueueSettings(): Promise<void> {
    const { Attributes: a = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ["VisibilityTimeout", "RedrivePolicy"],
      }),
    );
    if (options.visibilityTimeoutSeconds === undefined && a.VisibilityTimeout) {
      visibilityTimeout = Number(a.VisibilityTimeout);
    }
    if (!a.RedrivePolicy) {
      log.warn({ queueUrl }, "queue has no redrive policy: failing messages are retried until they expire");
      return;
    }
    const redrive = JSON.parse(a.RedrivePolicy) as {
      deadLetterTargetArn: string;
      maxReceiveCount: string | number;
    };
    if (options.maxReceiveCount === undefined) maxReceiveCount = Number(redrive.maxReceiveCount);
    if (dlqUrl === undefined) {
      const [, , , , account, name] = redrive.deadLetterTargetArn.split(":");
      const got = await sqs.send(
        new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }),
      );
      dlqUrl = got.QueueUrl;
    }
  }

  async function receiveLoop(): Promise<void> {
    let failures = 0;
    while (running) {
      const free = concurrency - inflight.size;
      if (free <= 0) {
        await Promise.race(inflight);
        continue;
      }
      let messages: Message[];
      try {
        const got = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: Math.min(10, free),
            WaitTimeSeconds: waitTimeSeconds,
            VisibilityTimeout: visibilityTimeout,
            MessageSystemAttributeNames: ["All"],
            AttributeNames: ["All"],
            MessageAttributeNames: ["All"],
          }),
          { abortSignal: abort.signal },
        );
        messages = got.Messages ?? [];
        failures = 0;
      } catch (err) {
        if (!running) return;
        failures += 1;
        const delay = backoffDelay(failures, { baseMs: 200, maxMs: 10_000 });
        log.warn({ err: errorText(err), queueUrl, retryInMs: delay }, "receive failed; retrying");
        await sleep(delay, abort.signal);
        continue;
      }
      for (const m of messages) {
        const p: Promise<void> = handle(m)
          .catch((err) =>
            log.error({ err: errorText(err), messageId: m.MessageId }, "message handling crashed"),
          )
          .finally(() => inflight.delete(p));
        inflight.add(p);
      }
    }
  }

  /** Hands a message back to the handler after `ms`, keeping it invisible meanwhile; frees its slot now. */
  function park(m: Message, ms: number, firstTriedAt: number, mlog: Logger): void {
    const stopHeartbeat = heartbeat(m, mlog);
    const timer = setTimeout(() => {
      parked.delete(m);
      stopHeartbeat();
      if (!running) return;
      const p: Promise<void> = handle(m, firstTriedAt)
        .catch((err) =>
          log.error({ err: errorText(err), messageId: m.MessageId }, "message handling crashed"),
        )
        .finally(() => inflight.delete(p));
      inflight.add(p);
    }, ms);
    // A stopped consumer drops parked messages: SQS delivers them again after the visibility timeout.
    parked.set(m, () => {
      clearTimeout(timer);
      stopHeartbeat();
    });
  }

  async function handle(m: Message, firstTriedAt = performance.now()): Promise<void> {
    const receiveCount = Number(m.Attributes?.ApproximateReceiveCount ?? 1);
    const parsed = parseBody(m.Body);
    if (!parsed.ok) return deadLetterInvalid(m, parsed.reason, receiveCount);
    const event = parsed.event;
    const mlog = log.child({
      correlationId: event.correlationId,
      eventId: event.id,
      type: event.type,
      messageId: m.MessageId,
      receiveCount,
    });
    const stopHeartbeat = heartbeat(m, mlog);
    let outcome: HandlerOutcome = "retryLater";
    let error: unknown;
    try {
      outcome = await handler(event, {
        log: mlog,
        receiveCount,
        waitedMs: Math.round(performance.now() - firstTriedAt),
      });
    } catch (err) {
      error = err;
    } finally {
      stopHeartbeat();
    }
    if (outcome === "done" && error === undefined) {
      await deletes.add(m);
      return;
    }
    if (typeof outcome === "object" && error === undefined) {
      park(m, Math.max(0, Math.min(1000, outcome.retryInMs)), firstTriedAt, mlog);
      return;
    }
    const reason = error === undefined ? "handler asked to retry later" : errorText(error);
    if (receiveCount >= maxReceiveCount) {
      mlog.error(
        { err: reason, maxReceiveCount, dlqUrl },
        "message failed on its last attempt: the redrive policy moves it to the dead-letter queue",
      );
      try {
        await onExhausted?.(event, error ?? new Error(reason));
      } catch (err) {
        mlog.error({ err: errorText(err) }, "onExhausted failed");
      }
      // Visible at once, so the next receive hands it to the redrive policy instead of waiting.
      await changeVisibility(m, 0, mlog);
      return;
    }
    const delay = Math.min(
      retryMaxSeconds,
      Math.ceil(
        backoffDelay(receiveCount, { baseMs: retryBaseSeconds * 1000, maxMs: retryMaxSeconds * 1000 }) / 1000,
      ),
    );
    mlog.warn(
      { err: reason, maxReceiveCount, retryInSeconds: delay },
      "handler failed; the message will be retried",
    );
    await changeVisibility(m, delay, mlog);
  }

  async function deadLetterInvalid(m: Message, reason: string, receiveCount: number): Promise<void> {
    const context = { messageId: m.MessageId, receiveCount, reason, body: (m.Body ?? "").slice(0, 500) };
    if (!dlqUrl) {
      log.error(context, "invalid message and no dead-letter queue known: left for the redrive policy");
      return;
    }
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: dlqUrl,
        MessageBody: m.Body ?? "",
        MessageAttributes: {
          ...copyAttributes(m.MessageAttributes),
          invalidReason: { DataType: "String", StringValue: reason.slice(0, 1000) },
        },
      }),
    );
    await deletes.add(m);
    log.error({ ...context, dlqUrl }, "invalid message moved to the dead-letter queue (never retried)");
  }

  function heartbeat(m: Message, mlog: Logger): () => void {
    const everyMs = Math.max(500, (visibilityTimeout * 1000) / 2);
    const timer = setInterval(() => void changeVisibility(m, visibilityTimeout, mlog), everyMs);
    return () => clearInterval(timer);
  }

  async function changeVisibility(m: Message, seconds: number, mlog: Logger): Promise<void> {
    try {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: m.ReceiptHandle,
          VisibilityTimeout: seconds,
        }),
      );
    } catch (err) {
      mlog.warn({ err: errorText(err), seconds }, "could not change the message's visibility");
    }
  }

  return {
    async start() {
      if (running) return;
      await readQueueSettings();
      running = true;
      abort = new AbortController();
      loop = receiveLoop();
      log.info({ queueUrl, concurrency, visibilityTimeout, maxReceiveCount, dlqUrl }, "consumer started");
    },
    async stop() {
      if (!running) return;
      running = false;
      // A receive cut short may have taken messages: they come back after the visibility timeout.
      abort.abort();
      for (const cancel of parked.values()) cancel();
      parked.clear();
      await loop;
      await Promise.all(inflight);
      await deletes.flush();
      log.info({ queueUrl }, "consumer stopped");
    },
  };
}

function parseBody(
  body: string | undefined,
): { ok: true; event: DomainEvent } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(body ?? "");
  } catch (err) {
    return { ok: false, reason: `body is not JSON: ${errorText(err)}` };
  }
  const parsed = parseEvent(json);
  return parsed.ok ? parsed : { ok: false, reason: `not a valid event: ${parsed.reason}` };
}

function copyAttributes(attrs: Record<string, MessageAttributeValue> | undefined) {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [k, v] of Object.entries(attrs ?? {}).slice(0, 9)) {
    if (v.DataType && (v.StringValue !== undefined || v.BinaryValue !== undefined)) {
      out[k] = { DataType: v.DataType, StringValue: v.StringValue, BinaryValue: v.BinaryValue };
    }
  }
  return out;
}

const DELETE_WINDOW_MS = 5;

/** Collects completed messages and deletes them with DeleteMessageBatch, up to 10 per call. */
function createDeleter(sqs: SQSClient, queueUrl: string, log: Logger) {
  let pending: Array<{ m: Message; resolve: () => void }> = [];
  let scheduled = false;
  let timer: NodeJS.Timeout | undefined;
  async function flush(): Promise<void> {
    while (pending.length > 0) {
      const batch = pending.slice(0, 10);
      pending = pending.slice(10);
      try {
        const r = await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((b, i) => ({ Id: String(i), ReceiptHandle: b.m.ReceiptHandle })),
          }),
        );
        for (const f of r.Failed ?? []) {
          const messageId = batch[Number(f.Id)]?.m.MessageId;
          log.warn(
            { messageId, code: f.Code, reason: f.Message },
            "delete failed: the message will be redelivered",
          );
        }
      } catch (err) {
        log.warn(
          { err: errorText(err), count: batch.length },
          "delete failed: the messages will be redelivered",
        );
      }
      for (const b of batch) b.resolve();
    }
  }
  return {
    add(m: Message): Promise<void> {
      return new Promise<void>((resolve) => {
        pending.push({ m, resolve });
        // Messages completed within a few milliseconds share one DeleteMessageBatch (10 go at once): handlers
        // finish one by one, and a call per message would cost more than the handling.
        if (pending.length >= 10) {
          clearTimeout(timer);
          scheduled = false;
          void flush();
        } else if (!scheduled) {
          scheduled = true;
          timer = setTimeout(() => {
            scheduled = false;
            void flush();
          }, DELETE_WINDOW_MS);
        }
      });
    },
    flush,
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
