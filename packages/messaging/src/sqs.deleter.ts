import { DeleteMessageBatchCommand, type Message, type SQSClient } from "@aws-sdk/client-sqs";
import type { Logger } from "@taskoverflow/platform";

/**
 * How long a completed message may wait for others to share its DeleteMessageBatch. Nothing waits for a delete
 * (the slot is free, the message stays invisible meanwhile, and a crash before it only means a redelivery the
 * inbox absorbs), so the window is wide enough that a stream from about 200 messages/s up fills a call with 10,
 * and a receive that got few (a trickle after the queue was drained) does not cost a delete call of its own.
 */
const DELETE_WINDOW_MS = 50;

/**
 * Collects completed messages and deletes them with DeleteMessageBatch, up to 10 per call. A message's handling
 * does not wait for its delete (its slot is free for the next receive once the handler is done); `flush` sends
 * what is pending and waits for every delete call still under way (the consumer's stop).
 */
export function createDeleter(sqs: SQSClient, queueUrl: string, log: Logger) {
  let pending: Array<{ m: Message; resolve: () => void }> = [];
  let scheduled = false;
  let timer: NodeJS.Timeout | undefined;
  const sending = new Set<Promise<void>>();
  const send = () => {
    const p: Promise<void> = sendPending().finally(() => sending.delete(p));
    sending.add(p);
  };
  async function sendPending(): Promise<void> {
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
        log.warn({ err, count: batch.length }, "delete failed: the messages will be redelivered");
      }
      for (const b of batch) b.resolve();
    }
  }
  return {
    add(m: Message): Promise<void> {
      return new Promise<void>((resolve) => {
        pending.push({ m, resolve });
        // Messages completed within DELETE_WINDOW_MS share one DeleteMessageBatch (10 go at once): handlers
        // finish one by one, and a call per message would cost more than the handling.
        if (pending.length >= 10) {
          clearTimeout(timer);
          scheduled = false;
          send();
        } else if (!scheduled) {
          scheduled = true;
          timer = setTimeout(() => {
            scheduled = false;
            send();
          }, DELETE_WINDOW_MS);
        }
      });
    },
    async flush(): Promise<void> {
      clearTimeout(timer);
      scheduled = false;
      await sendPending();
      await Promise.all(sending);
    },
  };
}

export type Deleter = ReturnType<typeof createDeleter>;
