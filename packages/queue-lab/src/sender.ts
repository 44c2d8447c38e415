import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { messageBody } from "./message.ts";
import { isFifo } from "./options.ts";

export interface SendOptions {
  queueUrl: string;
  /** The queue's name, to tell a FIFO queue (`.fifo`) from a standard one. */
  queueName: string;
  clientName: string;
  prepend: string;
  count: number;
  /** Called after each accepted message with the number accepted so far. */
  onProgress?: (accepted: number) => void;
  /** Stops after the message in flight (Ctrl-C). */
  signal?: AbortSignal;
}

export interface SendReport {
  /** Messages the sender attempted. */
  attempted: number;
  /** Messages the queue accepted (SendMessage succeeded). A FIFO queue also accepts deduplicated copies. */
  accepted: number;
  /** Why sending stopped early, if it did. */
  error?: unknown;
  interrupted: boolean;
}

/**
 * Sends `"{prepend}Message {i}"` for i = 0..count-1, one at a time as the course's tool did, each with the
 * `client` attribute; on a FIFO queue every message goes to the one group "default", so order is kept.
 * Stops at the first failure and reports how far it got.
 */
export async function sendMessages(client: SQSClient, options: SendOptions): Promise<SendReport> {
  const fifo = isFifo(options.queueName);
  let accepted = 0;
  for (let i = 0; i < options.count; i++) {
    if (options.signal?.aborted) return { attempted: i, accepted, interrupted: true };
    try {
      await client.send(
        new SendMessageCommand({
          QueueUrl: options.queueUrl,
          MessageBody: messageBody(options.prepend, i),
          MessageAttributes: { client: { DataType: "String", StringValue: options.clientName } },
          ...(fifo ? { MessageGroupId: "default" } : {}),
        }),
      );
    } catch (error) {
      return { attempted: i + 1, accepted, error, interrupted: false };
    }
    accepted += 1;
    options.onProgress?.(accepted);
  }
  return { attempted: options.count, accepted, interrupted: false };
}
