# The event backbone, read from the one topology definition. packages/messaging/topology.json is generated from
# packages/messaging/src/topology.ts (a test there fails when the committed file differs), and everything below
# takes its names and numbers from that document: a for_each over its queues, no value typed twice. Change the
# topology in TypeScript, regenerate the JSON, and the next plan shows the change. The preconditions stop a plan
# when the document asks for something this module does not implement, instead of deploying something else.

locals {
  topology = jsondecode(file("${path.module}/../../packages/messaging/topology.json"))
  queues   = local.topology.queues # key (calendar, job-status) -> queue document
}

resource "aws_sns_topic" "events" {
  name       = local.topology.topic.name
  fifo_topic = local.topology.topic.fifo

  lifecycle {
    precondition {
      condition     = local.topology.topic.fifo == false
      error_message = "topology.json asks for a FIFO topic; this module deploys standard queues (names without .fifo)."
    }
  }
}

resource "aws_sqs_queue" "dlq" {
  for_each = local.queues

  name                      = each.value.deadLetterQueue.name
  message_retention_seconds = each.value.deadLetterQueue.messageRetentionSeconds
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "work" {
  for_each = local.queues

  name                       = each.value.name
  visibility_timeout_seconds = each.value.visibilityTimeoutSeconds
  message_retention_seconds  = each.value.messageRetentionSeconds
  receive_wait_time_seconds  = each.value.receiveWaitTimeSeconds
  sqs_managed_sse_enabled    = true

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq[each.key].arn
    maxReceiveCount     = each.value.deadLetterQueue.maxReceiveCount
  })
}

# Only its own work queue may dead-letter into a DLQ. (moto does not return RedriveAllowPolicy, so the provider
# would wait for it forever: the moto rehearsal turns this off.)
resource "aws_sqs_queue_redrive_allow_policy" "dlq" {
  for_each = var.dlq_redrive_allow_policy ? local.queues : {}

  queue_url = aws_sqs_queue.dlq[each.key].id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.work[each.key].arn]
  })
}

# The same statement as queuePolicy() in topology.ts: only the SNS service, and only for our topic.
resource "aws_sqs_queue_policy" "work" {
  for_each = local.queues

  queue_url = aws_sqs_queue.work[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AllowTopicOnly"
      Effect    = "Allow"
      Principal = { Service = "sns.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = aws_sqs_queue.work[each.key].arn
      Condition = { ArnEquals = { "aws:SourceArn" = aws_sns_topic.events.arn } }
    }]
  })

  lifecycle {
    precondition {
      condition     = each.value.policy.allowSendMessageFrom == "topic" && each.value.policy.condition == "aws:SourceArn"
      error_message = "topology.json asks for a queue policy other than \"the topic, conditioned on aws:SourceArn\"."
    }
  }
}

resource "aws_sns_topic_subscription" "work" {
  for_each = local.queues

  topic_arn            = aws_sns_topic.events.arn
  protocol             = "sqs"
  endpoint             = aws_sqs_queue.work[each.key].arn
  raw_message_delivery = each.value.subscription.rawMessageDelivery
  # A queue with no filter policy (the explorer's) receives every event: neither attribute is set.
  filter_policy_scope = each.value.subscription.filterPolicy == null ? null : each.value.subscription.filterPolicyScope
  filter_policy       = each.value.subscription.filterPolicy == null ? null : jsonencode(each.value.subscription.filterPolicy)

  # Without the queue policy SNS would drop the first deliveries.
  depends_on = [aws_sqs_queue_policy.work]
}
