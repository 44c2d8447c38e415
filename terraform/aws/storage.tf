# Calendars: private, encrypted, TLS only, and gone after calendar_retention_days (a calendar is a one-off export;
# fetching a result after that fails, and the client exports again).

locals {
  bucket_name = coalesce(var.calendar_bucket_name, "${var.name_prefix}-calendars-${data.aws_caller_identity.current.account_id}-${var.region}")
  # The calendar service writes calendars/<job id>.ics (calendarKey() in services/calendar).
  calendar_prefix = "calendars/"
}

resource "aws_s3_bucket" "calendars" {
  bucket        = local.bucket_name
  force_destroy = var.bucket_force_destroy
}

resource "aws_s3_bucket_public_access_block" "calendars" {
  bucket                  = aws_s3_bucket.calendars.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "calendars" {
  bucket = aws_s3_bucket.calendars.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "calendars" {
  bucket = aws_s3_bucket.calendars.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
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

  depends_on = [aws_s3_bucket_public_access_block.calendars]
}
