#!/bin/bash
# GENERATED from packages/messaging/src/topology.ts by `node packages/messaging/src/topology.generate.ts`.
# Do not edit: a unit test fails when this file and the generator disagree.
set -euo pipefail
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

TOPIC_ARN="$(awslocal sns create-topic --name taskoverflow-events --query TopicArn --output text)"

# queue NAME DLQ_NAME DLQ_ATTRIBUTES QUEUE_ATTRIBUTES SUBSCRIPTION_ATTRIBUTES: a work queue and its dead-letter
# queue, subscribed to the topic once. In QUEUE_ATTRIBUTES @QUEUE_ARN@, @DLQ_ARN@, @TOPIC_ARN@ stand for
# the ARNs, read back from the emulator.
queue() {
  local name="$1" dlq_name="$2" dlq_url dlq_arn url arn attributes
  dlq_url="$(awslocal sqs create-queue --queue-name "$dlq_name" --query QueueUrl --output text)"
  printf '%s' "$3" >"$TMP/$dlq_name.json"
  awslocal sqs set-queue-attributes --queue-url "$dlq_url" --attributes "file://$TMP/$dlq_name.json"
  dlq_arn="$(awslocal sqs get-queue-attributes --queue-url "$dlq_url" --attribute-names QueueArn --query Attributes.QueueArn --output text)"
  url="$(awslocal sqs create-queue --queue-name "$name" --query QueueUrl --output text)"
  arn="$(awslocal sqs get-queue-attributes --queue-url "$url" --attribute-names QueueArn --query Attributes.QueueArn --output text)"
  attributes="${4//@QUEUE_ARN@/$arn}"
  attributes="${attributes//@DLQ_ARN@/$dlq_arn}"
  printf '%s' "${attributes//@TOPIC_ARN@/$TOPIC_ARN}" >"$TMP/$name.json"
  awslocal sqs set-queue-attributes --queue-url "$url" --attributes "file://$TMP/$name.json"
  printf '%s' "$5" >"$TMP/$name-subscription.json"
  if [ -z "$(awslocal sns list-subscriptions-by-topic --topic-arn "$TOPIC_ARN" --query "Subscriptions[?Endpoint=='$arn'].SubscriptionArn" --output text)" ]; then
    awslocal sns subscribe --topic-arn "$TOPIC_ARN" --protocol sqs --notification-endpoint "$arn" \
      --attributes "file://$TMP/$name-subscription.json" >/dev/null
  fi
}

# taskoverflow-calendar: The calendar service: keeps its todo projection and builds calendars on request.
queue taskoverflow-calendar taskoverflow-calendar-dlq \
  '{"MessageRetentionPeriod":"1209600"}' \
  '{"VisibilityTimeout":"30","MessageRetentionPeriod":"345600","ReceiveMessageWaitTimeSeconds":"20","RedrivePolicy":"{\"deadLetterTargetArn\":\"@DLQ_ARN@\",\"maxReceiveCount\":5}","Policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"AllowTopicOnly\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"sns.amazonaws.com\"},\"Action\":\"sqs:SendMessage\",\"Resource\":\"@QUEUE_ARN@\",\"Condition\":{\"ArnEquals\":{\"aws:SourceArn\":\"@TOPIC_ARN@\"}}}]}"}' \
  '{"RawMessageDelivery":"true","FilterPolicyScope":"MessageAttributes","FilterPolicy":"{\"type\":[\"TodoCreated\",\"TodoUpdated\",\"TodoDeleted\",\"CalendarRequested\"]}"}'

# taskoverflow-job-status: The job-status service: tracks calendar jobs for GET /todos/ical/{task_id}/status.
queue taskoverflow-job-status taskoverflow-job-status-dlq \
  '{"MessageRetentionPeriod":"1209600"}' \
  '{"VisibilityTimeout":"30","MessageRetentionPeriod":"345600","ReceiveMessageWaitTimeSeconds":"20","RedrivePolicy":"{\"deadLetterTargetArn\":\"@DLQ_ARN@\",\"maxReceiveCount\":5}","Policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"AllowTopicOnly\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"sns.amazonaws.com\"},\"Action\":\"sqs:SendMessage\",\"Resource\":\"@QUEUE_ARN@\",\"Condition\":{\"ArnEquals\":{\"aws:SourceArn\":\"@TOPIC_ARN@\"}}}]}"}' \
  '{"RawMessageDelivery":"true","FilterPolicyScope":"MessageAttributes","FilterPolicy":"{\"type\":[\"CalendarRequested\",\"CalendarStarted\",\"CalendarReady\",\"CalendarFailed\"]}"}'

# taskoverflow-explorer: The event explorer: records every event and where it was routed (subscribed with no filter policy).
queue taskoverflow-explorer taskoverflow-explorer-dlq \
  '{"MessageRetentionPeriod":"1209600"}' \
  '{"VisibilityTimeout":"30","MessageRetentionPeriod":"345600","ReceiveMessageWaitTimeSeconds":"20","RedrivePolicy":"{\"deadLetterTargetArn\":\"@DLQ_ARN@\",\"maxReceiveCount\":5}","Policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"AllowTopicOnly\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"sns.amazonaws.com\"},\"Action\":\"sqs:SendMessage\",\"Resource\":\"@QUEUE_ARN@\",\"Condition\":{\"ArnEquals\":{\"aws:SourceArn\":\"@TOPIC_ARN@\"}}}]}"}' \
  '{"RawMessageDelivery":"true"}'

echo "taskoverflow topology ready: $TOPIC_ARN"
