import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { createTally, type Delivery, type Summary } from "./summary.ts";

export interface ReceiveOptions {
  queueUrl: string;
  /** How many messages each sender sent (`--count`), so missing ones at the end are counted. */
  expectedPerSender: number;
  /** Stop after this many messages. */
  maxMessages?: number | undefined;
  /** Stop after this long without a message (from the start, or the last message). */
  idleExitMs?: number | undefined;
  /** Stop when aborted (Ctrl-C); the poll in flight finishes first and its messages are kept. */
  signal?: AbortSignal;
  onMessage?: (delivery: Delivery & { at: Date }) => void;
  onWarning?: (text: string) => void;
  now?: () => number;
}

export interface ReceiveReport {
  summary: Summary;
  stoppedBy: "signal" | "max-messages" | "idle";
}

/** Long-poll settings of the course's receiver: up to 10 messages, 1 second wait. */
const BATCH = 10;
const WAIT_SECONDS = 1;

/**
 * Receives until told to stop, printing through `onMessage` and deleting what it received, and returns
 * the per-sender summary. A message without the `client` attribute counts under "(unknown)".
 */
export async function receiveMessages(client: SQSClient, options: ReceiveOptions): Promise<ReceiveReport> {
  const now = options.now ?? Date.now;
  const tally = createTally(options.expectedPerSender);
  let received = 0;
  let lastActivity = now();
  for (;;) {
    if (options.signal?.aborted) return { summary: tally.summary(), stoppedBy: "signal" };
    if (options.maxMessages !== undefined && received >= options.maxMessages) {
      return { summary: tally.summary(), stoppedBy: "max-messages" };
    }
    if (options.idleExitMs !== undefined && now() - lastActivity >= options.idleExitMs) {
      return { summary: tally.summary(), stoppedBy: "idle" };
    }
    const room = options.maxMessages === undefined ? BATCH : Math.min(BATCH, options.maxMessages - received);
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: room,
        WaitTimeSeconds: WAIT_SECONDS,
        MessageAttributeNames: ["All"],
      }),
    );
    if (Messages.length === 0) continue;
    lastActivity = now();
    for (const message of Messages) {
      const delivery: Delivery = {
        client: message.MessageAttributes?.client?.StringValue,
        body: message.Body ?? "",
      };
      received += 1;
      tally.record(delivery);
      options.onMessage?.({ ...delivery, at: new Date(now()) });
    }
    const entries = Messages.flatMap((m, i) =>
      m.ReceiptHandle ? [{ Id: String(i), ReceiptHandle: m.ReceiptHandle }] : [],
    );
    if (entries.length === 0) continue;
    const { Failed = [] } = await client.send(
      new DeleteMessageBatchCommand({ QueueUrl: options.queueUrl, Entries: entries }),
    );
    for (const f of Failed) {
      options.onWarning?.(`could not delete a message (${f.Code ?? "error"}: ${f.Message ?? "no reason"})`);
    }
  }
}
