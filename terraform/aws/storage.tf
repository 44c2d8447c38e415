# Calendars: private, encrypted, TLS only, and gone after calendar_retention_days (a calendar is a one-off export;
# fetching a result after that fails, and the client exports again).

locals {
  bucket_name = coalesce(var.calendar_bucket_name, "${var.name_prefix}-calendars-${data.aws_caller_identity.current.account_id}-${var.region}")
  # The calendar service writes calendars/<job id>.ics (calendarObjectKey() in packages/contracts).
  calendar_prefix = "calendars/"
}

resource "aws_s3_bucket" "calendars" {
  bucket        = local.bucket_name
  force_destroy = var.bucket_force_destroy
}

resource "aws_s3_bucket_lifecycle_configuration" "calendars" {
  bucket = aws_s3_bucket.calendars.id

  rule {
    id     = "expire-calendars"
    status = "Enabled"
    filter {
      prefix = local.calendar_prefix
    }
    expiration {
      days = var.calendar_retention_days
    }
  }

  rule {
    id     = "abort-incomplete-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

resource "aws_s3_bucket_policy" "calendars" {
  bucket = aws_s3_bucket.calendars.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.calendars.arn, "${aws_s3_bucket.calendars.arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })

  depends_on = [aws_s3_bucket_public_access_block.bucket]
}

# --- the logs bucket: ALB access logs (var.alb_access_logs) and VPC flow logs (var.vpc_flow_logs) ---------------

locals {
  logs_bucket      = var.alb_access_logs || var.vpc_flow_logs
  alb_logs_prefix  = "alb"
  flow_logs_prefix = "" # moto rejects a folder in the destination ARN; flow logs land in AWSLogs/<account>/vpcflowlogs/
  account_id       = data.aws_caller_identity.current.account_id
}

# The account ELB delivers access logs from, in regions older than August 2022 (newer ones use the service
# principal below); a static table in the provider, no API call.
data "aws_elb_service_account" "main" {}

resource "aws_s3_bucket" "logs" {
  count = local.logs_bucket ? 1 : 0

  bucket        = "${var.name_prefix}-logs-${local.account_id}-${var.region}"
  force_destroy = var.bucket_force_destroy
}

resource "aws_s3_bucket_lifecycle_configuration" "logs" {
  count = local.logs_bucket ? 1 : 0

  bucket = aws_s3_bucket.logs[0].id
  rule {
    id     = "expire-logs"
    status = "Enabled"
    filter {}
    expiration {
      days = var.logs_retention_days
    }
  }
}

data "aws_iam_policy_document" "logs_bucket" {
  count = local.logs_bucket ? 1 : 0

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.logs[0].arn, "${aws_s3_bucket.logs[0].arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  # ALB access logs: the ELB account of older regions, the delivery service principal of newer ones.
  dynamic "statement" {
    for_each = var.alb_access_logs ? {
      AlbAccessLogs         = { type = "AWS", identifier = data.aws_elb_service_account.main.arn }
      AlbAccessLogsDelivery = { type = "Service", identifier = "logdelivery.elasticloadbalancing.amazonaws.com" }
    } : {}
    content {
      sid       = statement.key
      actions   = ["s3:PutObject"]
      resources = ["${aws_s3_bucket.logs[0].arn}/${local.alb_logs_prefix}/AWSLogs/${local.account_id}/*"]
      principals {
        type        = statement.value.type
        identifiers = [statement.value.identifier]
      }
    }
  }

  dynamic "statement" {
    for_each = var.vpc_flow_logs ? [1] : []
    content {
      sid       = "FlowLogsWrite"
      actions   = ["s3:PutObject"]
      resources = ["${aws_s3_bucket.logs[0].arn}/${local.flow_logs_prefix}AWSLogs/${local.account_id}/*"]
      principals {
        type        = "Service"
        identifiers = ["delivery.logs.amazonaws.com"]
      }
      condition {
        test     = "StringEquals"
        variable = "s3:x-amz-acl"
        values   = ["bucket-owner-full-control"]
      }
      condition {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [local.account_id]
      }
    }
  }
  dynamic "statement" {
    for_each = var.vpc_flow_logs ? [1] : []
    content {
      sid       = "FlowLogsAclCheck"
      actions   = ["s3:GetBucketAcl"]
      resources = [aws_s3_bucket.logs[0].arn]
      principals {
        type        = "Service"
        identifiers = ["delivery.logs.amazonaws.com"]
      }
      condition {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [local.account_id]
      }
    }
  }
}

resource "aws_s3_bucket_policy" "logs" {
  count = local.logs_bucket ? 1 : 0

  bucket = aws_s3_bucket.logs[0].id
  policy = data.aws_iam_policy_document.logs_bucket[0].json

  depends_on = [aws_s3_bucket_public_access_block.bucket]
}

# --- every bucket: no public access, owner-enforced objects (no ACLs), SSE-S3 (all ALB access logs support) --

locals {
  buckets = merge({ calendars = aws_s3_bucket.calendars.id }, local.logs_bucket ? { logs = aws_s3_bucket.logs[0].id } : {})
}

resource "aws_s3_bucket_public_access_block" "bucket" {
  for_each = local.buckets

  bucket                  = each.value
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "bucket" {
  for_each = local.buckets

  bucket = each.value
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "bucket" {
  for_each = local.buckets

  bucket = each.value
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}
