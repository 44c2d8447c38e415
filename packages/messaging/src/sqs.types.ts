import type { SQSClient } from "@aws-sdk/client-sqs";
import type { DomainEvent } from "@taskoverflow/contracts";
import type { Logger } from "@taskoverflow/platform";

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
  /**
   * Receive loops, each with one ReceiveMessage (up to 10 messages) in flight at a time. Default: one per 10
   * slots of `concurrency`, so a consumer allowed more than one receive's worth of messages has that many
   * receives out at once: with one loop, throughput is capped at 10 messages per receive's round trip, which a
   * busy machine stretches (`bench events`: the consumer fell behind 16 writers at ~1,400 events/s and caught
   * up at ~4,000/s once they stopped). The loops together never ask for more than the free slots.
   */
  receivers?: number;
  /** Long-poll wait. Default 20 s. */
  waitTimeSeconds?: number;
  /**
   * After a receive that got two or more messages but fewer than it asked for, wait this long before the next
   * one, so messages arriving meanwhile come in one receive (one ReceiveMessage, one DeleteMessageBatch and, with a
   * batcher, one write for up to 10): most of a consumer's cost is per call, not per message. A message that
   * finds the queue idle is received at once, and so is the one after a lone message (quiet traffic: a calendar
   * job's next step must not wait); one arriving during a wait waits for it. Default 20 ms; 0: off.
   */
  gatherMs?: number;
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

/** What the consumer learns of its queue at start (options first, then the queue's attributes). */
export interface QueueSettings {
  queueUrl: string;
  visibilityTimeout: number;
  maxReceiveCount: number;
  dlqUrl: string | undefined;
}
