// Compares the deployed topic, queues, DLQs and subscriptions with packages/messaging/topology.json, through the
// aws CLI (so it runs wherever the CLI has credentials). Usage: see check-topology.sh.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const doc = JSON.parse(readFileSync(join(here, "../../packages/messaging/topology.json"), "utf8"));
const endpoint = process.env.CHECK_ENDPOINT_URL;
const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1";

function aws(...args) {
  const extra = ["--region", region, "--output", "json", ...(endpoint ? ["--endpoint-url", endpoint] : [])];
  const out = execFileSync("aws", [...args, ...extra], { encoding: "utf8" });
  return out.trim() ? JSON.parse(out) : {};
}

let failures = 0;
function expect(what, actual, expected) {
  const ok = canonical(actual) === canonical(expected);
  if (!ok) failures += 1;
  console.log(
    `${ok ? "ok  " : "FAIL"} ${what}${ok ? "" : `: expected ${canonical(expected)}, found ${canonical(actual)}`}`,
  );
}
// JSON with sorted keys (and sorted arrays of strings), so key order and list order do not matter.
function canonical(v) {
  const norm = (x) =>
    Array.isArray(x)
      ? x.map(norm).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
      : x && typeof x === "object"
        ? Object.fromEntries(
            Object.keys(x)
              .sort()
              .map((k) => [k, norm(x[k])]),
          )
        : x;
  return JSON.stringify(norm(v));
}
const queueAttributes = (name) => {
  const url = aws("sqs", "get-queue-url", "--queue-name", name).QueueUrl;
  return aws("sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names", "All").Attributes ?? {};
};

const topics = [];
for (let token; ; ) {
  const page = aws("sns", "list-topics", ...(token ? ["--next-token", token] : []));
  topics.push(...(page.Topics ?? []).map((t) => t.TopicArn));
  token = page.NextToken;
  if (!token) break;
}
const topicArn = topics.find((arn) => arn.split(":").at(-1) === doc.topic.name);
expect(`topic ${doc.topic.name} exists`, topicArn !== undefined, true);
if (!topicArn) process.exit(1);
const topic = aws("sns", "get-topic-attributes", "--topic-arn", topicArn).Attributes ?? {};
expect(`topic ${doc.topic.name} fifo`, topic.FifoTopic === "true", doc.topic.fifo);

const subscriptions = aws("sns", "list-subscriptions-by-topic", "--topic-arn", topicArn).Subscriptions ?? [];
const expectedEndpoints = [];

for (const [key, q] of Object.entries(doc.queues)) {
  const dlq = queueAttributes(q.deadLetterQueue.name);
  expect(
    `${key}: DLQ ${q.deadLetterQueue.name} retention`,
    Number(dlq.MessageRetentionPeriod),
    q.deadLetterQueue.messageRetentionSeconds,
  );
  expect(`${key}: DLQ SSE`, dlq.SqsManagedSseEnabled, "true");

  const a = queueAttributes(q.name);
  expect(`${key}: ${q.name} visibility timeout`, Number(a.VisibilityTimeout), q.visibilityTimeoutSeconds);
  expect(`${key}: retention`, Number(a.MessageRetentionPeriod), q.messageRetentionSeconds);
  expect(`${key}: receive wait`, Number(a.ReceiveMessageWaitTimeSeconds), q.receiveWaitTimeSeconds);
  expect(`${key}: SSE`, a.SqsManagedSseEnabled, "true");
  const redrive = JSON.parse(a.RedrivePolicy ?? "{}");
  expect(
    `${key}: redrive`,
    { dlq: redrive.deadLetterTargetArn, max: Number(redrive.maxReceiveCount) },
    {
      dlq: dlq.QueueArn,
      max: q.deadLetterQueue.maxReceiveCount,
    },
  );
  const statements = JSON.parse(a.Policy ?? '{"Statement":[]}').Statement;
  expect(
    `${key}: policy (${q.policy.allowSendMessageFrom}, ${q.policy.condition})`,
    statements.map((s) => ({
      principal: s.Principal?.Service,
      action: s.Action,
      effect: s.Effect,
      source: s.Condition?.ArnEquals?.[q.policy.condition],
    })),
    [{ principal: "sns.amazonaws.com", action: "sqs:SendMessage", effect: "Allow", source: topicArn }],
  );

  expectedEndpoints.push(a.QueueArn);
  const subs = subscriptions.filter((s) => s.Endpoint === a.QueueArn && s.Protocol === "sqs");
  expect(`${key}: one subscription`, subs.length, 1);
  if (subs.length !== 1) continue;
  const sa =
    aws("sns", "get-subscription-attributes", "--subscription-arn", subs[0].SubscriptionArn).Attributes ?? {};
  expect(`${key}: raw delivery`, sa.RawMessageDelivery === "true", q.subscription.rawMessageDelivery);
  expect(
    `${key}: filter policy scope`,
    sa.FilterPolicyScope ?? "MessageAttributes",
    q.subscription.filterPolicyScope,
  );
  expect(`${key}: filter policy`, JSON.parse(sa.FilterPolicy ?? "null"), q.subscription.filterPolicy);
}
expect(
  "no other subscriptions on the topic",
  subscriptions.filter((s) => !expectedEndpoints.includes(s.Endpoint)).map((s) => s.Endpoint),
  [],
);

console.log(
  failures === 0 ? "topology matches topology.json" : `${failures} difference(s) from topology.json`,
);
process.exit(failures === 0 ? 0 : 1);
