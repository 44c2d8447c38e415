import { ChangeMessageVisibilityCommand, type Message, type SQSClient } from "@aws-sdk/client-sqs";
import type { Logger } from "@taskoverflow/platform";
import { backoffDelay } from "./backoff.ts";
import type { QueueSettings } from "./sqs.types.ts";

/** A message's visibility: kept hidden while its handler runs, shown again later (retry) or at once (DLQ). */
export function createVisibility(sqs: SQSClient, settings: QueueSettings) {
  async function change(m: Message, seconds: number, log: Logger): Promise<void> {
    try {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: settings.queueUrl,
          ReceiptHandle: m.ReceiptHandle,
          VisibilityTimeout: seconds,
        }),
      );
    } catch (err) {
      log.warn({ err, seconds }, "could not change the message's visibility");
    }
  }
  return {
    change,
    /** Extends the message's visibility every half timeout until the returned function is called. */
    heartbeat(m: Message, log: Logger): () => void {
      const everyMs = Math.max(500, (settings.visibilityTimeout * 1000) / 2);
      const timer = setInterval(() => void change(m, settings.visibilityTimeout, log), everyMs);
      return () => clearInterval(timer);
    },
  };
}

/** Seconds until a failed message is received again: backoff on its receive count, whole seconds, capped. */
export function retryDelaySeconds(receiveCount: number, baseSeconds: number, maxSeconds: number): number {
  const ms = backoffDelay(receiveCount, { baseMs: baseSeconds * 1000, maxMs: maxSeconds * 1000 });
  return Math.min(maxSeconds, Math.ceil(ms / 1000));
}
