import {
  type Message,
  type MessageAttributeValue,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { DomainEvent } from "@taskoverflow/contracts";
import type { Logger } from "@taskoverflow/platform";
import { decodeEventMessage } from "./event.message.ts";
import type { Deleter } from "./sqs.deleter.ts";
import type {
  EventHandler,
  HandlerOutcome,
  MessageContext,
  QueueSettings,
  SqsConsumerOptions,
} from "./sqs.types.ts";
import { createVisibility, retryDelaySeconds } from "./sqs.visibility.ts";

interface MessageHandlingDeps {
  sqs: SQSClient;
  settings: QueueSettings;
  handler: EventHandler;
  log: Logger;
  deletes: Deleter;
  retryBaseSeconds: number;
  retryMaxSeconds: number;
  onExhausted: SqsConsumerOptions["onExhausted"];
  /** Whether the consumer still runs (a parked message is dropped once it stopped). */
  isRunning(): boolean;
  /** Counts a handling that starts later (a parked message) among the consumer's work in flight. */
  track(work: Promise<void>): void;
}

export interface MessageHandling {
  handle(m: Message): Promise<void>;
  /** Drops the parked messages (on stop): SQS delivers them again after the visibility timeout. */
  cancelParked(): void;
}

/**
 * One received message, start to end: validated against the contracts (invalid: straight to the DLQ), handed
 * to the handler with its visibility kept alive, then deleted (done), shown again after a backoff (retry), or
 * shown at once on its last attempt so the redrive policy dead-letters it.
 */
export function createMessageHandling(o: MessageHandlingDeps): MessageHandling {
  const { sqs, settings, handler, log, deletes } = o;
  const visibility = createVisibility(sqs, settings);
  /** Messages waiting in process after a `{ retryInMs }` answer, with how to cancel the wait. */
  const parked = new Map<Message, () => void>();

  /**
   * Hands a message back to the handler after `ms`, keeping it invisible meanwhile; frees its slot now. Only
   * `events` are handed back: those of a group that did not answer "done" yet.
   */
  function park(m: Message, events: DomainEvent[], ms: number, firstTriedAt: number, mlog: Logger): void {
    const stopHeartbeat = visibility.heartbeat(m, mlog);
    const timer = setTimeout(() => {
      parked.delete(m);
      stopHeartbeat();
      if (!o.isRunning()) return;
      o.track(
        handle(m, firstTriedAt, events).catch((err: unknown) =>
          log.error({ err, messageId: m.MessageId }, "message handling crashed"),
        ),
      );
    }, ms);
    parked.set(m, () => {
      clearTimeout(timer);
      stopHeartbeat();
    });
  }

  async function deadLetterInvalid(m: Message, reason: string, receiveCount: number): Promise<void> {
    // Ids and the reason, never the body: a message can carry anything (a todo's text, an attacker's payload);
    // the body itself is kept in the dead-letter queue for whoever inspects it.
    const context = {
      messageId: m.MessageId,
      receiveCount,
      reason: reason.slice(0, 500),
      bodyBytes: Buffer.byteLength(m.Body ?? ""),
    };
    const dlqUrl = settings.dlqUrl;
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
    void deletes.add(m);
    log.error({ ...context, dlqUrl }, "invalid message moved to the dead-letter queue (never retried)");
  }

  /**
   * One event's handling: its outcome, or the error it threw. The events of a group are handled at once, each
   * with its own log context, as the messages of a receive are.
   */
  async function run(event: DomainEvent, context: MessageContext): Promise<Attempt> {
    try {
      return { event, outcome: await handler(event, context) };
    } catch (error) {
      return { event, outcome: "retryLater", error };
    }
  }

  async function handle(m: Message, firstTriedAt = performance.now(), only?: DomainEvent[]): Promise<void> {
    const receiveCount = Number(m.Attributes?.ApproximateReceiveCount ?? 1);
    let events = only;
    if (events === undefined) {
      const decoded = decodeEventMessage(m.Body);
      if (!decoded.ok) return deadLetterInvalid(m, decoded.reason, receiveCount);
      events = decoded.events;
    }
    const first = events[0] as DomainEvent;
    const grouped = events.length > 1;
    const mlog = log.child({
      ...(grouped ? { events: events.length } : { correlationId: first.correlationId, eventId: first.id }),
      type: first.type,
      messageId: m.MessageId,
      receiveCount,
    });
    const stopHeartbeat = visibility.heartbeat(m, mlog);
    const waitedMs = Math.round(performance.now() - firstTriedAt);
    let attempts: Attempt[];
    try {
      attempts = grouped
        ? await Promise.all(
            events.map((e) =>
              run(e, {
                log: mlog.child({ correlationId: e.correlationId, eventId: e.id }),
                receiveCount,
                waitedMs,
              }),
            ),
          )
        : [await run(first, { log: mlog, receiveCount, waitedMs })];
    } finally {
      stopHeartbeat();
    }
    const open = attempts.filter((a) => a.outcome !== "done" || a.error !== undefined);
    if (open.length === 0) {
      // Not awaited: the delete goes with others in one call (sqs.deleter.ts), the slot is free meanwhile.
      void deletes.add(m);
      return;
    }
    const waits = open.map((a) =>
      typeof a.outcome === "object" && a.error === undefined ? a.outcome : undefined,
    );
    if (waits.every((w) => w !== undefined)) {
      // Every event still open waits at a barrier: hand those back (the done ones are done).
      const ms = Math.min(...waits.map((w) => w.retryInMs));
      park(
        m,
        open.map((a) => a.event),
        Math.max(0, Math.min(1000, ms)),
        firstTriedAt,
        mlog,
      );
      return;
    }
    // The error object when a handler threw (logged as `err`), the reason when it asked to retry. A group comes
    // back whole from SQS: its done events are then absorbed by the consumers' inbox.
    const error = open.find((a) => a.error !== undefined)?.error;
    const failure = error === undefined ? { reason: RETRY_LATER } : { err: error };
    // A group's line names the events that failed, each with its correlation id (the line has none of its own).
    const failing = grouped
      ? { failing: open.map((a) => ({ eventId: a.event.id, correlationId: a.event.correlationId })) }
      : {};
    const { maxReceiveCount } = settings;
    if (receiveCount >= maxReceiveCount) {
      mlog.error(
        { ...failure, ...failing, maxReceiveCount, dlqUrl: settings.dlqUrl },
        "message failed on its last attempt: the redrive policy moves it to the dead-letter queue",
      );
      for (const a of open) {
        try {
          await o.onExhausted?.(a.event, a.error ?? new Error(RETRY_LATER));
        } catch (err) {
          mlog.error({ err, eventId: a.event.id }, "onExhausted failed");
        }
      }
      // Visible at once, so the next receive hands it to the redrive policy instead of waiting.
      await visibility.change(m, 0, mlog);
      return;
    }
    const delay = retryDelaySeconds(receiveCount, o.retryBaseSeconds, o.retryMaxSeconds);
    mlog.warn(
      { ...failure, ...failing, maxReceiveCount, retryInSeconds: delay },
      "handler failed; the message will be retried",
    );
    await visibility.change(m, delay, mlog);
  }

  return {
    handle: (m) => handle(m),
    cancelParked() {
      for (const cancel of parked.values()) cancel();
      parked.clear();
    },
  };
}

const RETRY_LATER = "handler asked to retry later";

interface Attempt {
  event: DomainEvent;
  outcome: HandlerOutcome;
  error?: unknown;
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
