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

const shellVar = (q: QueuePlan, what: string) => `${q.key.replace(/-/g, "_").toUpperCase()}_${what}`;

/**
 * The LocalStack "ready" hook: the same topology as `ensureTopology`, as `awslocal` commands.
 * ARNs are read back from the emulator, never assumed, so the script also runs against moto
 * (`awslocal` = `aws --endpoint-url ...`). Attribute JSON goes through files so no quoting can break it.
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
  ];
  for (const q of plan.queues) lines.push("", ...renderQueue(plan, q));
  lines.push("", `echo "taskoverflow topology ready: $TOPIC_ARN"`, "");
  return lines.join("\n");
}

function renderQueue(plan: TopologyPlan, q: QueuePlan): string[] {
  const url = shellVar(q, "URL");
  const arn = shellVar(q, "ARN");
  const dlqUrl = shellVar(q, "DLQ_URL");
  const dlqArn = shellVar(q, "DLQ_ARN");
  const placeholders = { queueArn: `\${${arn}}`, dlqArn: `\${${dlqArn}}`, topicArn: `\${TOPIC_ARN}` };
  const file = (name: string, json: unknown) => [
    `cat > "$TMP/${name}.json" <<EOF`,
    // Inside an unquoted heredoc `\"` stays as is and ${VAR} expands: exactly what the JSON needs.
    JSON.stringify(json),
    "EOF",
  ];
  const subscriptionCheck =
    `awslocal sns list-subscriptions-by-topic --topic-arn "$TOPIC_ARN" ` +
    `--query "Subscriptions[?Endpoint=='\${${arn}}'].SubscriptionArn" --output text`;
  return [
    `# ${q.name}: ${q.description}`,
    `${dlqUrl}="$(awslocal sqs create-queue --queue-name ${q.dlqName} --query QueueUrl --output text)"`,
    ...file(`${q.dlqName}`, dlqAttributes(plan)),
    `awslocal sqs set-queue-attributes --queue-url "$${dlqUrl}" --attributes "file://$TMP/${q.dlqName}.json"`,
    `${dlqArn}="$(awslocal sqs get-queue-attributes --queue-url "$${dlqUrl}" --attribute-names QueueArn --query Attributes.QueueArn --output text)"`,
    `${url}="$(awslocal sqs create-queue --queue-name ${q.name} --query QueueUrl --output text)"`,
    `${arn}="$(awslocal sqs get-queue-attributes --queue-url "$${url}" --attribute-names QueueArn --query Attributes.QueueArn --output text)"`,
    ...file(q.name, queueAttributes(plan, q, placeholders)),
    `awslocal sqs set-queue-attributes --queue-url "$${url}" --attributes "file://$TMP/${q.name}.json"`,
    ...file(`${q.name}-subscription`, subscriptionAttributes(q)),
    `if [ -z "$(${subscriptionCheck})" ]; then`,
    `  awslocal sns subscribe --topic-arn "$TOPIC_ARN" --protocol sqs --notification-endpoint "$${arn}" \\`,
    `    --attributes "file://$TMP/${q.name}-subscription.json" >/dev/null`,
    "fi",
  ];
}

/** `topology.json`: the document Terraform is checked against. */
export function renderTopologyJson(options: TopologyOptions = {}): string {
  return `${JSON.stringify(topologyDocument(options), null, 2)}\n`;
}
