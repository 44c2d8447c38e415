import {
  CreateTopicCommand,
  ListSubscriptionsByTopicCommand,
  SetSubscriptionAttributesCommand,
  type SNSClient,
  SubscribeCommand,
} from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import {
  dlqAttributes,
  planTopology,
  type QueueKey,
  queueAttributes,
  subscriptionAttributes,
  type TopologyOptions,
} from "./topology.ts";

// The AWS adapter of the topology plan (topology.ts): converges real SNS/SQS (or an emulator) to it.

export interface QueueAddresses {
  url: string;
  arn: string;
  dlqUrl: string;
  dlqArn: string;
}

export interface TopologyAddresses {
  topicArn: string;
  queues: Record<QueueKey, QueueAddresses>;
}

/**
 * Creates or converges the topic, queues, DLQs, policies and subscriptions through the AWS SDK.
 * Idempotent: run it at every start; a second run changes nothing and returns the same addresses.
 */
export async function ensureTopology(
  { sns, sqs }: { sns: SNSClient; sqs: SQSClient },
  options: TopologyOptions = {},
): Promise<TopologyAddresses> {
  const plan = planTopology(options);
  const { TopicArn: topicArn } = await sns.send(new CreateTopicCommand({ Name: plan.topicName }));
  if (!topicArn) throw new Error(`CreateTopic ${plan.topicName} returned no ARN`);

  const existing = await listSubscriptions(sns, topicArn);
  const queues = {} as Record<QueueKey, QueueAddresses>;
  for (const q of plan.queues) {
    const dlq = await ensureQueue(sqs, q.dlqName, dlqAttributes(plan));
    const main = await ensureQueue(sqs, q.name, {});
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: main.url,
        Attributes: queueAttributes(plan, q, { queueArn: main.arn, dlqArn: dlq.arn, topicArn }),
      }),
    );
    const attributes = subscriptionAttributes(q);
    const current = existing.get(main.arn);
    if (current) {
      for (const [AttributeName, AttributeValue] of Object.entries(attributes)) {
        await sns.send(
          new SetSubscriptionAttributesCommand({ SubscriptionArn: current, AttributeName, AttributeValue }),
        );
      }
    } else {
      await sns.send(
        new SubscribeCommand({
          TopicArn: topicArn,
          Protocol: "sqs",
          Endpoint: main.arn,
          Attributes: attributes,
          ReturnSubscriptionArn: true,
        }),
      );
    }
    queues[q.key] = { url: main.url, arn: main.arn, dlqUrl: dlq.url, dlqArn: dlq.arn };
  }
  return { topicArn, queues };
}

async function ensureQueue(sqs: SQSClient, name: string, attributes: Record<string, string>) {
  // CreateQueue with no attributes never conflicts with an existing queue; attributes converge afterwards.
  const { QueueUrl: url } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  if (!url) throw new Error(`CreateQueue ${name} returned no URL`);
  if (Object.keys(attributes).length > 0) {
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes }));
  }
  const got = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }));
  const arn = got.Attributes?.QueueArn;
  if (!arn) throw new Error(`queue ${name} has no QueueArn`);
  return { url, arn };
}

/** Endpoint ARN -> subscription ARN for the topic's SQS subscriptions. */
async function listSubscriptions(sns: SNSClient, topicArn: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let NextToken: string | undefined;
  do {
    const page = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken }));
    for (const s of page.Subscriptions ?? []) {
      if (s.Protocol === "sqs" && s.Endpoint && s.SubscriptionArn?.startsWith("arn:")) {
        out.set(s.Endpoint, s.SubscriptionArn);
      }
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}
