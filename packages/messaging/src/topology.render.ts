import {
  dlqAttributes,
  planTopology,
  type QueuePlan,
  queueAttributes,
  subscriptionAttributes,
  type TopologyOptions,
  type TopologyPlan,
  topologyDocument,
} from "./topology.ts";

/** Where the generated files live, relative to the repository root. */
export const generatedFiles = {
  localstackInit: "localstack/init/ready.d/10-topology.sh",
  topologyJson: "packages/messaging/topology.json",
} as const;

/**
 * The LocalStack "ready" hook: the same topology as `ensureTopology`, as `awslocal` commands.
 * ARNs are read back from the emulator, never assumed, so the script also runs against moto
 * (`awslocal` = `aws --endpoint-url ...`). Attribute JSON goes through files so no quoting can break it.
 * One shell function makes a queue; the script calls it once per queue of the plan.
 */
export function renderLocalstackInit(options: TopologyOptions = {}): string {
  const plan = planTopology(options);
  const lines = [
    "#!/bin/bash",
    "# GENERATED from packages/messaging/src/topology.ts by `node packages/messaging/src/topology.generate.ts`.",
    "# Do not edit: a unit test fails when this file and the generator disagree.",
    "set -euo pipefail",
    'TMP="$(mktemp -d)"',
    "trap 'rm -rf \"$TMP\"' EXIT",
    "",
    `TOPIC_ARN="$(awslocal sns create-topic --name ${plan.topicName} --query TopicArn --output text)"`,
    "",
    ...queueFunction,
  ];
  for (const q of plan.queues) lines.push("", ...renderQueue(plan, q));
  lines.push("", `echo "taskoverflow topology ready: $TOPIC_ARN"`, "");
  return lines.join("\n");
}

const placeholders = { queueArn: "@QUEUE_ARN@", dlqArn: "@DLQ_ARN@", topicArn: "@TOPIC_ARN@" };

const queueFunction = [
  "# queue NAME DLQ_NAME DLQ_ATTRIBUTES QUEUE_ATTRIBUTES SUBSCRIPTION_ATTRIBUTES: a work queue and its dead-letter",
  `# queue, subscribed to the topic once. In QUEUE_ATTRIBUTES ${Object.values(placeholders).join(", ")} stand for`,
  "# the ARNs, read back from the emulator.",
  "queue() {",
  '  local name="$1" dlq_name="$2" dlq_url dlq_arn url arn attributes',
  '  dlq_url="$(awslocal sqs create-queue --queue-name "$dlq_name" --query QueueUrl --output text)"',
  `  printf '%s' "$3" >"$TMP/$dlq_name.json"`,
  '  awslocal sqs set-queue-attributes --queue-url "$dlq_url" --attributes "file://$TMP/$dlq_name.json"',
  '  dlq_arn="$(awslocal sqs get-queue-attributes --queue-url "$dlq_url" --attribute-names QueueArn --query Attributes.QueueArn --output text)"',
  '  url="$(awslocal sqs create-queue --queue-name "$name" --query QueueUrl --output text)"',
  '  arn="$(awslocal sqs get-queue-attributes --queue-url "$url" --attribute-names QueueArn --query Attributes.QueueArn --output text)"',
  `  attributes="\${4//${placeholders.queueArn}/$arn}"`,
  `  attributes="\${attributes//${placeholders.dlqArn}/$dlq_arn}"`,
  `  printf '%s' "\${attributes//${placeholders.topicArn}/$TOPIC_ARN}" >"$TMP/$name.json"`,
  '  awslocal sqs set-queue-attributes --queue-url "$url" --attributes "file://$TMP/$name.json"',
  `  printf '%s' "$5" >"$TMP/$name-subscription.json"`,
  `  if [ -z "$(awslocal sns list-subscriptions-by-topic --topic-arn "$TOPIC_ARN" --query "Subscriptions[?Endpoint=='$arn'].SubscriptionArn" --output text)" ]; then`,
  '    awslocal sns subscribe --topic-arn "$TOPIC_ARN" --protocol sqs --notification-endpoint "$arn" \\',
  '      --attributes "file://$TMP/$name-subscription.json" >/dev/null',
  "  fi",
  "}",
];

/** A single-quoted shell word (JSON has no quote of its own to fear, but a description might). */
const quoted = (json: unknown) => `'${JSON.stringify(json).replace(/'/g, "'\\''")}'`;

function renderQueue(plan: TopologyPlan, q: QueuePlan): string[] {
  return [
    `# ${q.name}: ${q.description}`,
    `queue ${q.name} ${q.dlqName} \\`,
    `  ${quoted(dlqAttributes(plan))} \\`,
    `  ${quoted(queueAttributes(plan, q, placeholders))} \\`,
    `  ${quoted(subscriptionAttributes(q))}`,
  ];
}

/** `topology.json`: the document Terraform is checked against. */
export function renderTopologyJson(options: TopologyOptions = {}): string {
  return `${JSON.stringify(topologyDocument(options), null, 2)}\n`;
}
