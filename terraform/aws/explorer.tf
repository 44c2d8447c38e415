# The event explorer (services/explorer): what it needs beyond what every service gets from local.services in
# ecs.tf (image, log group, task definition, ECS service, its database, its own queue to consume). Its queue and
# DLQ come from topology.json like every other (subscribed with no filter policy); no producer changes.
#
# - EXPLORER_TOKEN: drawn by Secrets Manager (ephemeral, never in the state), stored in a secret the explorer's
#   execution role alone reads, injected into the container. Read it with
#   `aws secretsmanager get-secret-value --secret-id $(terraform output -raw explorer_token_secret_arn)`.
# - The task role's extra permissions (least privilege): counts of every queue it shows, the peek into and the
#   redrive of every dead-letter queue (a message move task, or receive/send/delete), nothing else.
#   With lab_role_name (Learner Lab) no role is created: LabRole is used, as for every service.

locals {
  explorer_environment = {
    AWS_REGION         = var.region
    EXPLORER_QUEUE_URL = aws_sqs_queue.work["explorer"].url
    # The queues it shows are found by their topology.json names (GetQueueUrl), so no URL list is needed.
  }

  # Secrets other than DATABASE_URL, per service: variable name -> secret ARN (ecs.tf and iam.tf read this).
  service_secrets = {
    explorer = { EXPLORER_TOKEN = aws_secretsmanager_secret.explorer_token.arn }
  }
}

resource "aws_secretsmanager_secret" "explorer_token" {
  name                    = "${var.name_prefix}/explorer/token"
  description             = "EXPLORER_TOKEN: the bearer token of /api/v1/explorer (written by terraform write-only)"
  recovery_window_in_days = var.secret_recovery_window_days
}

ephemeral "aws_secretsmanager_random_password" "explorer_token" {
  password_length     = 40
  exclude_punctuation = true # it goes into an Authorization header
}

resource "aws_secretsmanager_secret_version" "explorer_token" {
  secret_id        = aws_secretsmanager_secret.explorer_token.id
  secret_string_wo = ephemeral.aws_secretsmanager_random_password.explorer_token.random_password
  # Sent once; bump db_credentials_version (which draws every generated credential anew) to rotate it.
  secret_string_wo_version = parseint(substr(sha1("explorer-token ${var.db_credentials_version}"), 0, 8), 16)
}

data "aws_iam_policy_document" "explorer" {
  count = local.create_iam ? 1 : 0

  # GET /api/v1/explorer/queues: depths of every work queue and dead-letter queue, found by name.
  statement {
    sid       = "InspectQueues"
    actions   = ["sqs:GetQueueAttributes", "sqs:GetQueueUrl"]
    resources = concat([for q in aws_sqs_queue.work : q.arn], [for q in aws_sqs_queue.dlq : q.arn])
  }
  # The peek (receive, then ChangeMessageVisibility 0) and the copy redrive's delete, on the dead-letter queues.
  statement {
    sid       = "PeekAndDrainDeadLetters"
    actions   = ["sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:DeleteMessage"]
    resources = [for q in aws_sqs_queue.dlq : q.arn]
  }
  # Redrive by SQS itself: the move task runs on the dead-letter queue (its source).
  statement {
    sid       = "MoveTasks"
    actions   = ["sqs:StartMessageMoveTask", "sqs:ListMessageMoveTasks", "sqs:CancelMessageMoveTask"]
    resources = [for q in aws_sqs_queue.dlq : q.arn]
  }
  # A redriven message goes back to its work queue (the move task's destination, or the copy's send).
  statement {
    sid       = "RedriveToWorkQueues"
    actions   = ["sqs:SendMessage"]
    resources = [for q in aws_sqs_queue.work : q.arn]
  }
}

resource "aws_iam_role_policy" "explorer" {
  count = local.create_iam ? 1 : 0

  name   = "explorer"
  role   = aws_iam_role.task["explorer"].id
  policy = data.aws_iam_policy_document.explorer[0].json
}

output "explorer_token_secret_arn" {
  description = "Secrets Manager secret holding EXPLORER_TOKEN (Authorization: Bearer <it> for /api/v1/explorer and the /explorer page)."
  value       = aws_secretsmanager_secret.explorer_token.arn
}
