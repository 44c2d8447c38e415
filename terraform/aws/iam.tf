# Least privilege, one pair of roles per service:
# - the execution role (used by ECS to start the task): pull this service's image, write this service's log
#   group, read this service's DATABASE_URL secret;
# - the task role (used by the code): only the AWS calls the service makes.
# The one-shot db-init task has an execution role only (pull the todo image, write its log group, read the master
# secret and the three DATABASE_URL secrets); its code calls no AWS API.
#
# With lab_role_name (AWS Academy Learner Lab forbids iam:CreateRole and offers "LabRole") none of this is
# created: that one existing role is every execution role and every task role.

locals {
  create_iam = var.lab_role_name == null

  # Task families that get an execution role: the four services and db-init.
  execution_families = merge({ for k, _ in local.services : k => k }, { "db-init" = "db-init" })

  execution_role_arn = {
    for k, _ in local.execution_families : k => (local.create_iam ? aws_iam_role.execution[k].arn : data.aws_iam_role.lab[0].arn)
  }
  task_role_arn = {
    for k, _ in local.services : k => (local.create_iam ? aws_iam_role.task[k].arn : data.aws_iam_role.lab[0].arn)
  }
}

data "aws_iam_role" "lab" {
  count = local.create_iam ? 0 : 1
  name  = var.lab_role_name
}

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${data.aws_partition.current.partition}:ecs:${var.region}:${data.aws_caller_identity.current.account_id}:*"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "execution" {
  for_each = local.create_iam ? local.execution_families : {}

  name               = "${var.name_prefix}-${each.key}-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

data "aws_iam_policy_document" "execution" {
  for_each = local.create_iam ? local.execution_families : {}

  statement {
    sid       = "EcrAuth"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"] # this action takes no resource
  }
  statement {
    sid       = "EcrPull"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
    resources = [aws_ecr_repository.service[each.key == "db-init" ? local.db_init_image_service : each.key].arn]
  }
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${each.key == "db-init" ? aws_cloudwatch_log_group.db_init.arn : aws_cloudwatch_log_group.service[each.key].arn}:*"]
  }
  # A service reads its own DATABASE_URL; db-init reads the master secret (RDS keeps it, encrypted with the
  # AWS-managed Secrets Manager key) and every service's DATABASE_URL, whose role and password it sets.
  dynamic "statement" {
    for_each = each.key == "db-init" || try(local.services[each.key].database, null) != null ? [1] : []
    content {
      sid     = "DatabaseSecrets"
      actions = ["secretsmanager:GetSecretValue"]
      resources = each.key == "db-init" ? concat(
        [aws_db_instance.main.master_user_secret[0].secret_arn],
        [for s in aws_secretsmanager_secret.database_url : s.arn],
      ) : [aws_secretsmanager_secret.database_url[each.key].arn]
    }
  }
  # A service's other secrets (EXPLORER_TOKEN for the explorer, explorer.tf).
  dynamic "statement" {
    for_each = length(lookup(local.service_secrets, each.key, {})) > 0 ? [1] : []
    content {
      sid       = "ServiceSecrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = values(local.service_secrets[each.key])
    }
  }
}

resource "aws_iam_role_policy" "execution" {
  for_each = local.create_iam ? local.execution_families : {}

  name   = "execution"
  role   = aws_iam_role.execution[each.key].id
  policy = data.aws_iam_policy_document.execution[each.key].json
}

resource "aws_iam_role" "task" {
  for_each = local.create_iam ? local.services : {}

  name               = "${var.name_prefix}-${each.key}-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

data "aws_iam_policy_document" "task" {
  for_each = { for k, s in local.services : k => s if local.create_iam && (s.publishes || s.queue != null || s.bucket_access != null) }

  # todo (outbox relay) and calendar (CalendarStarted/Ready/Failed) publish with PublishBatch (sns:Publish).
  dynamic "statement" {
    for_each = each.value.publishes ? [1] : []
    content {
      sid       = "PublishEvents"
      actions   = ["sns:Publish"]
      resources = [aws_sns_topic.events.arn]
    }
  }

  # The consumer (packages/messaging sqs.consumer.ts) reads VisibilityTimeout and RedrivePolicy at start,
  # receives, extends visibility (heartbeat, retry backoff) and deletes in batches (sqs:DeleteMessage) ...
  dynamic "statement" {
    for_each = each.value.queue != null ? [1] : []
    content {
      sid = "ConsumeQueue"
      actions = [
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueAttributes",
      ]
      resources = [aws_sqs_queue.work[each.value.queue].arn]
    }
  }
  # ... and looks up the DLQ's URL from the redrive policy (GetQueueUrl) to move invalid messages there at once.
  dynamic "statement" {
    for_each = each.value.queue != null ? [1] : []
    content {
      sid       = "DeadLetterInvalid"
      actions   = ["sqs:SendMessage", "sqs:GetQueueUrl"]
      resources = [aws_sqs_queue.dlq[each.value.queue].arn]
    }
  }

  # The calendar bucket: the writer puts calendars and also calls CreateBucket at start (ensureBucket), treating
  # "already owned by you" as success; without that permission the call is denied and the service does not
  # start. Scoped to this one bucket name, it cannot create anything else. (A service config gap: see README.)
  dynamic "statement" {
    for_each = { for sid, st in local.calendar_bucket_statements : sid => st if st.access == each.value.bucket_access }
    content {
      sid       = statement.key
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }
}

locals {
  calendar_objects = "${aws_s3_bucket.calendars.arn}/${local.calendar_prefix}*"
  calendar_bucket_statements = {
    WriteCalendars      = { access = "write", actions = ["s3:PutObject"], resources = [local.calendar_objects] }
    EnsureBucketAtStart = { access = "write", actions = ["s3:CreateBucket"], resources = [aws_s3_bucket.calendars.arn] }
    ReadCalendars       = { access = "read", actions = ["s3:GetObject"], resources = [local.calendar_objects] }
  }
}

resource "aws_iam_role_policy" "task" {
  for_each = data.aws_iam_policy_document.task

  name   = "task"
  role   = aws_iam_role.task[each.key].id
  policy = each.value.json
}
