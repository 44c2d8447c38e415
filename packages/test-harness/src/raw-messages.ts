// Messages put on the wire by hand, as SNS and SQS carry an event (its `type` as a message attribute, which the
// subscriptions filter on) but with any body: a poison message, a redelivery, a message moved into a DLQ; and
// the bodies of the messages a queue holds, as they are (one event, or a group).
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";

const typed = (type: string) => ({ type: { DataType: "String", StringValue: type } });

/** Publishes `body` to the topic with the `type` attribute (routed like an event of that type). */
export async function publishRaw(
  sns: SNSClient,
  topicArn: string,
  body: string,
  type: string,
): Promise<void> {
  await sns.send(new PublishCommand({ TopicArn: topicArn, Message: body, MessageAttributes: typed(type) }));
}

/** Sends `body` straight into a queue with the `type` attribute (a redelivery, or a message in a DLQ). */
export async function sendRaw(sqs: SQSClient, queueUrl: string, body: string, type: string): Promise<void> {
  await sqs.send(
    new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, MessageAttributes: typed(type) }),
  );
}

/** Receives (up to 10 per call, waiting up to 1 s), deletes and answers the bodies of the messages in a queue. */
export async function takeBodies(sqs: SQSClient, queueUrl: string): Promise<string[]> {
  const got = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
  );
  const messages = got.Messages ?? [];
  if (messages.length > 0) {
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
  return messages.map((m) => m.Body ?? "");
}
