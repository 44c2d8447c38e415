#!/bin/bash
# GENERATED from packages/messaging/src/topology.ts by `node packages/messaging/src/topology.generate.ts`.
# Do not edit: a unit test fails when this file and the generator disagree.
set -euo pipefail
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

TOPIC_ARN="$(awslocal sns create-topic --name taskoverflow-events --query TopicArn --output text)"

# taskoverflow-calendar: The calendar service: keeps its todo projection and builds calendars on request.
CALENDAR_DLQ_URL="$(awslocal sqs create-queue --queue-name taskoverflow-calendar-dlq --query QueueUrl --output text)"
cat > "$TMP/taskoverflow-calendar-dlq.json" <<EOF
{"MessageRetentionPeriod":"1209600"}
EOF
awslocal sqs set-queue-attributes --queue-url "$CALENDAR_DLQ_URL" --attributes "file://$TMP/taskoverflow-calendar-dlq.json"
CALENDAR_DLQ_ARN="$(awslocal sqs get-queue-attributes --queue-url "$CALENDAR_DLQ_URL" --attribute-names QueueArn --query Attributes.QueueArn --output text)"
CALENDAR_URL="$(awslocal sqs create-queue --queue-name taskoverflow-calendar --query QueueUrl --output text)"
CALENDAR_ARN="$(awslocal sqs get-queue-attributes --queue-url "$CALENDAR_URL" --attribute-names QueueArn --query Attributes.QueueArn --output text)"
cat > "$TMP/taskoverflow-calendar.json" <<EOF
{"VisibilityTimeout":"30","MessageRetentionPeriod":"345600","ReceiveMessageWaitTimeSeconds":"20","RedrivePolicy":"{\"deadLetterTargetArn\":\"${CALENDAR_DLQ_ARN}\",\"maxReceiveCount\":5}","Policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"AllowTopicOnly\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"sns.amazonaws.com\"},\"Action\":\"sqs:SendMessage\",\"Resource\":\"${CALENDAR_ARN}\",\"Condition\":{\"ArnEquals\":{\"aws:SourceArn\":\"${TOPIC_ARN}\"}}}]}"}
EOF
awslocal sqs set-queue-attributes --queue-url "$CALENDAR_URL" --attributes "file://$TMP/taskoverflow-calendar.json"
cat > "$TMP/taskoverflow-calendar-subscription.json" <<EOF
{"RawMessageDelivery":"true","FilterPolicyScope":"MessageAttributes","FilterPolicy":"{\"type\":[\"TodoCreated\",\"TodoUpdated\",\"TodoDeleted\",\"CalendarRequested\"]}"}
EOF
if [ -z "$(awslocal sns list-subscriptions-by-topic --topic-arn "$TOPIC_ARN" --query "Subscriptions[?Endpoint=='${CALENDAR_ARN}'].SubscriptionArn" --output text)" ]; then
  awslocal sns subscribe --topic-arn "$TOPIC_ARN" --protocol sqs --notification-endpoint "$CALENDAR_ARN" \
    --attributes "file://$TMP/taskoverflow-calendar-subscription.json" >/dev/null
fi

# taskoverflow-job-status: The job-status service: tracks calendar jobs for GET /todos/ical/{task_id}/status.
JOB_STATUS_DLQ_URL="$(awslocal sqs create-queue --queue-name taskoverflow-job-status-dlq --query QueueUrl --output text)"
cat > "$TMP/taskoverflow-job-status-dlq.json" <<EOF
{"MessageRetentionPeriod":"1209600"}
EOF
awslocal sqs set-queue-attributes --queue-url "$JOB_STATUS_DLQ_URL" --attributes "file://$TMP/taskoverflow-job-status-dlq.json"
JOB_STATUS_DLQ_ARN="$(awslocal sqs get-queue-attributes --queue-url "$JOB_STATUS_DLQ_URL" --attribute-names QueueArn --query Attributes.QueueArn --output text)"
JOB_STATUS_URL="$(awslocal sqs create-queue --queue-name taskoverflow-job-status --query QueueUrl --output text)"
JOB_STATUS_ARN="$(awslocal sqs get-queue-attributes --queue-url "$JOB_STATUS_URL" --attribute-names QueueArn --query Attributes.QueueArn --output text)"
cat > "$TMP/taskoverflow-job-status.json" <<EOF
{"VisibilityTimeout":"30","MessageRetentionPeriod":"345600","ReceiveMessageWaitTimeSeconds":"20","RedrivePolicy":"{\"deadLetterTargetArn\":\"${JOB_STATUS_DLQ_ARN}\",\"maxReceiveCount\":5}","Policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"AllowTopicOnly\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"sns.amazonaws.com\"},\"Action\":\"sqs:SendMessage\",\"Resource\":\"${JOB_STATUS_ARN}\",\"Condition\":{\"ArnEquals\":{\"aws:SourceArn\":\"${TOPIC_ARN}\"}}}]}"}
EOF
awslocal sqs set-queue-attributes --queue-url "$JOB_STATUS_URL" --attributes "file://$TMP/taskoverflow-job-status.json"
cat > "$TMP/taskoverflow-job-status-subscription.json" <<EOF
{"RawMessageDelivery":"true","FilterPolicyScope":"MessageAttributes","FilterPolicy":"{\"type\":[\"CalendarRequested\",\"CalendarStarted\",\"CalendarReady\",\"CalendarFailed\"]}"}
EOF
if [ -z "$(awslocal sns list-subscriptions-by-topic --topic-arn "$TOPIC_ARN" --query "Subscriptions[?Endpoint=='${JOB_STATUS_ARN}'].SubscriptionArn" --output text)" ]; then
  awslocal sns subscribe --topic-arn "$TOPIC_ARN" --protocol sqs --notification-endpoint "$JOB_STATUS_ARN" \
    --attributes "file://$TMP/taskoverflow-job-status-subscription.json" >/dev/null
fi

echo "taskoverflow topology ready: $TOPIC_ARN"
