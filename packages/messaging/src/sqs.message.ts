import {
  type Message,
  type MessageAttributeValue,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { type DomainEvent, parseEvent } from "@taskoverflow/contracts";
import { errorText, type Logger } from "@taskoverflow/platform";
import type { Deleter } from "./sqs.deleter.ts";
import type { EventHandler, HandlerOutcome, QueueSettings, SqsConsumerOptions } from "./sqs.types.ts";
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

  /** Hands a message back to the handler after `ms`, keeping it invisible meanwhile; frees its slot now. */
  function park(m: Message, ms: number, firstTriedAt: number, mlog: Logger): void {
    const stopHeartbeat = visibility.heartbeat(m, mlog);
    const timer = setTimeout(() => {
      parked.delete(m);
      stopHeartbeat();
      if (!o.isRunning()) return;
      o.track(
        handle(m, firstTriedAt).catch((err: unknown) =>
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
    const stopHeartbeat = visibility.heartbeat(m, mlog);
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
      // Not awaited: the delete goes with others in one call (sqs.deleter.ts), the slot is free meanwhile.
      void deletes.add(m);
      return;
    }
    if (typeof outcome === "object" && error === undefined) {
      park(m, Math.max(0, Math.min(1000, outcome.retryInMs)), firstTriedAt, mlog);
      return;
    }
    // The error object when the handler threw (logged as `err`), the reason when it asked to retry.
    const failure = error === undefined ? { reason: "handler asked to retry later" } : { err: error };
    const { maxReceiveCount } = settings;
    if (receiveCount >= maxReceiveCount) {
      mlog.error(
        { ...failure, maxReceiveCount, dlqUrl: settings.dlqUrl },
        "message failed on its last attempt: the redrive policy moves it to the dead-letter queue",
      );
      try {
        await o.onExhausted?.(event, error ?? new Error(failure.reason));
      } catch (err) {
        mlog.error({ err }, "onExhausted failed");
      }
      // Visible at once, so the next receive hands it to the redrive policy instead of waiting.
      await visibility.change(m, 0, mlog);
      return;
    }
    const delay = retryDelaySeconds(receiveCount, o.retryBaseSeconds, o.retryMaxSeconds);
    mlog.warn(
      { ...failure, maxReceiveCount, retryInSeconds: delay },
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

function parseBody(
  body: string | undefined,
): { ok: true; event: DomainEvent } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(body ?? "");
  } catch (err) {
    // Not JSON.parse's message: it quotes the body.
    const at = /position (\d+)/.exec(errorText(err))?.[1];
    return { ok: false, reason: `body is not JSON${at === undefined ? "" : ` (at position ${at})`}` };
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
