# The two queues of the course's queue lab: a standard queue (at-least-once, best-effort order) and a FIFO
# queue with content-based deduplication (exactly-once within 5 minutes, order kept per message group).
# A root module of its own, so the lab can be created and destroyed without touching anything else.

provider "aws" {
  region = var.region

  # Against an emulator: send SQS (and STS, which the provider may call) to the endpoint, and skip the checks
  # that need real AWS credentials.
  skip_credentials_validation = var.endpoint != null
  skip_requesting_account_id  = var.endpoint != null
  skip_metadata_api_check     = var.endpoint != null

  endpoints {
    sqs = var.endpoint
    sts = var.endpoint
  }

  default_tags {
    tags = var.tags
  }
}

resource "aws_sqs_queue" "standard" {
  name = var.queue_name
}

resource "aws_sqs_queue" "fifo" {
  name                        = "${var.queue_name}.fifo"
  fifo_queue                  = true
  content_based_deduplication = true
}
