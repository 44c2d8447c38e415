import { type EventType, eventTypes } from "@taskoverflow/contracts";

/**
 * The one definition of the event backbone: one standard SNS topic fanning out to one SQS queue per consumer,
 * each with its dead-letter queue. The embedded start (`ensureTopology`, topology.aws.ts), the LocalStack init
 * hook (`renderLocalstackInit`) and Terraform (`topologyDocument`) are all derived from this constant.
 * This file is the pure plan: no SDK, so the renderers and the docs generator do not load one.
 */
export const topology = {
  defaultPrefix: "taskoverflow-",
  topic: { name: "events" },
  queues: {
    calendar: {
      description: "The calendar service: keeps its todo projection and builds calendars on request.",
      types: ["TodoCreated", "TodoUpdated", "TodoDeleted", "CalendarRequested"],
      visibilityTimeoutSeconds: 30,
      maxReceiveCount: 5,
    },
    "job-status": {
      description: "The job-status service: tracks calendar jobs for GET /todos/ical/{task_id}/status.",
      types: ["CalendarRequested", "CalendarStarted", "CalendarReady", "CalendarFailed"],
      visibilityTimeoutSeconds: 30,
      maxReceiveCount: 5,
    },
    explorer: {
      description:
        "The event explorer: records every event and where it was routed (subscribed with no filter policy).",
      // "all": the subscription has no filter policy, so every event published, of any type, is delivered.
      types: "all",
      visibilityTimeoutSeconds: 30,
      maxReceiveCount: 5,
    },
  },
  /** Messages are kept 4 days in a work queue and 14 days (the maximum) in a dead-letter queue. */
  retentionSeconds: 345_600,
  dlqRetentionSeconds: 1_209_600,
  /** Long polling by default, so an idle consumer costs one request per 20 s. */
  receiveWaitTimeSeconds: 20,
} as const satisfies {
  defaultPrefix: string;
  topic: { name: string };
  queues: Record<
    string,
    {
      description: string;
      /** The filter policy on `type`, or "all": no filter policy at all. */
      types: readonly EventType[] | "all";
      visibilityTimeoutSeconds: number;
      maxReceiveCount: number;
    }
  >;
  retentionSeconds: number;
  dlqRetentionSeconds: number;
  receiveWaitTimeSeconds: number;
};

export type QueueKey = keyof typeof topology.queues;
export const queueKeys = Object.keys(topology.queues) as QueueKey[];

export interface TopologyOptions {
  /** Prepended to every name; tests sharing one emulator pass a unique one. Default `taskoverflow-`. */
  prefix?: string;
  /** Overrides every queue's visibility timeout (tests keep it at 1-2 s so redelivery is quick). */
  visibilityTimeoutSeconds?: number;
  /** Overrides every queue's redrive `maxReceiveCount`. */
  maxReceiveCount?: number;
}

export interface QueuePlan {
  key: QueueKey;
  name: string;
  dlqName: string;
  description: string;
  /** Event types delivered to this queue (every known type when the subscription has no filter policy). */
  types: EventType[];
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
  /** The subscription's filter policy on the `type` attribute; null: none, every message is delivered. */
  filterPolicy: { type: EventType[] } | null;
}

export interface TopologyPlan {
  topicName: string;
  retentionSeconds: number;
  dlqRetentionSeconds: number;
  receiveWaitTimeSeconds: number;
  queues: QueuePlan[];
}

/** The topology with names and overrides applied: everything a generator needs, and nothing vendor-specific. */
export function planTopology(options: TopologyOptions = {}): TopologyPlan {
  const prefix = options.prefix ?? topology.defaultPrefix;
  return {
    topicName: `${prefix}${topology.topic.name}`,
    retentionSeconds: topology.retentionSeconds,
    dlqRetentionSeconds: topology.dlqRetentionSeconds,
    receiveWaitTimeSeconds: topology.receiveWaitTimeSeconds,
    queues: queueKeys.map((key) => {
      const q: (typeof topology.queues)[QueueKey] = topology.queues[key];
      const types = q.types === "all" ? [...eventTypes] : [...q.types];
      return {
        key,
        name: `${prefix}${key}`,
        dlqName: `${prefix}${key}-dlq`,
        description: q.description,
        types,
        visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? q.visibilityTimeoutSeconds,
        maxReceiveCount: options.maxReceiveCount ?? q.maxReceiveCount,
        filterPolicy: q.types === "all" ? null : { type: types },
      };
    }),
  };
}

/**
 * Where the topic delivers a message of this type: the queues whose filter policy matches (a queue with no
 * filter policy matches every message). A type no queue names, say from a newer producer, still reaches those.
 */
export function routeOf(plan: TopologyPlan, type: string): QueueKey[] {
  return plan.queues
    .filter((q) => q.filterPolicy === null || (q.filterPolicy.type as string[]).includes(type))
    .map((q) => q.key);
}

/** Only the topic may send to the queue: the SNS service principal, conditioned on the topic's ARN. */
export function queuePolicy(queueArn: string, topicArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AllowTopicOnly",
        Effect: "Allow",
        Principal: { Service: "sns.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: queueArn,
        Condition: { ArnEquals: { "aws:SourceArn": topicArn } },
      },
    ],
  });
}

/** The attributes of a work queue, as SQS takes them (all strings). */
export function queueAttributes(
  plan: TopologyPlan,
  q: QueuePlan,
  arns: { queueArn: string; dlqArn: string; topicArn: string },
): Record<string, string> {
  return {
    VisibilityTimeout: String(q.visibilityTimeoutSeconds),
    MessageRetentionPeriod: String(plan.retentionSeconds),
    ReceiveMessageWaitTimeSeconds: String(plan.receiveWaitTimeSeconds),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arns.dlqArn, maxReceiveCount: q.maxReceiveCount }),
    Policy: queuePolicy(arns.queueArn, arns.topicArn),
  };
}

export function dlqAttributes(plan: TopologyPlan): Record<string, string> {
  return { MessageRetentionPeriod: String(plan.dlqRetentionSeconds) };
}

/** Subscription attributes: raw delivery (the body is the event JSON) and the filter policy on `type`. */
export function subscriptionAttributes(q: QueuePlan): Record<string, string> {
  if (q.filterPolicy === null) return { RawMessageDelivery: "true" };
  return {
    RawMessageDelivery: "true",
    FilterPolicyScope: "MessageAttributes",
    FilterPolicy: JSON.stringify(q.filterPolicy),
  };
}

/**
 * A JSON form of the topology for other tools (Terraform reads it with `jsondecode(file(...))` or a test
 * compares its plan with it). `packages/messaging/topology.json` is this, checked in and tested for drift.
 */
export function topologyDocument(options: TopologyOptions = {}) {
  const plan = planTopology(options);
  return {
    topic: { name: plan.topicName, fifo: false },
    queues: Object.fromEntries(
      plan.queues.map((q) => [
        q.key,
        {
          name: q.name,
          description: q.description,
          visibilityTimeoutSeconds: q.visibilityTimeoutSeconds,
          messageRetentionSeconds: plan.retentionSeconds,
          receiveWaitTimeSeconds: plan.receiveWaitTimeSeconds,
          deadLetterQueue: {
            name: q.dlqName,
            maxReceiveCount: q.maxReceiveCount,
            messageRetentionSeconds: plan.dlqRetentionSeconds,
          },
          subscription: {
            rawMessageDelivery: true,
            filterPolicyScope: "MessageAttributes",
            filterPolicy: q.filterPolicy,
          },
          policy: { allowSendMessageFrom: "topic", condition: "aws:SourceArn" },
        },
      ]),
    ),
  };
}
