import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type Message,
  type SQSClient,
} from "@aws-sdk/client-sqs";

/**
 * The SQS calls the queue views and the redrive share: a queue's URL by its name (GetQueueUrl, cached), its
 * attributes, and making received messages visible again.
 */
export function createQueueAccess(sqs: SQSClient) {
  const urls = new Map<string, string>();

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

  return { urlOf, attributes, release };
}

export type QueueAccess = ReturnType<typeof createQueueAccess>;
