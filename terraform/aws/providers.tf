locals {
  # Against an emulator (moto, LocalStack) every AWS API the module calls goes to var.endpoint_overrides, and the
  # checks that need real credentials are skipped.
  emulated = length(var.endpoint_overrides) > 0
}

provider "aws" {
  region = var.region

  skip_credentials_validation = local.emulated
  skip_requesting_account_id  = local.emulated
  skip_metadata_api_check     = local.emulated
  s3_use_path_style           = local.emulated

  endpoints {
    acm                    = lookup(var.endpoint_overrides, "acm", null)
    applicationautoscaling = lookup(var.endpoint_overrides, "applicationautoscaling", null)
    cloudwatch             = lookup(var.endpoint_overrides, "cloudwatch", null)
    ec2                    = lookup(var.endpoint_overrides, "ec2", null)
    ecr                    = lookup(var.endpoint_overrides, "ecr", null)
    ecs                    = lookup(var.endpoint_overrides, "ecs", null)
    elbv2                  = lookup(var.endpoint_overrides, "elbv2", null)
    iam                    = lookup(var.endpoint_overrides, "iam", null)
    logs                   = lookup(var.endpoint_overrides, "logs", null)
    rds                    = lookup(var.endpoint_overrides, "rds", null)
    s3                     = lookup(var.endpoint_overrides, "s3", null)
    secretsmanager         = lookup(var.endpoint_overrides, "secretsmanager", null)
    servicediscovery       = lookup(var.endpoint_overrides, "servicediscovery", null)
    sns                    = lookup(var.endpoint_overrides, "sns", null)
    sqs                    = lookup(var.endpoint_overrides, "sqs", null)
    sts                    = lookup(var.endpoint_overrides, "sts", null)
  }

  default_tags {
    tags = merge({ project = "taskoverflow", deployment = var.name_prefix }, var.tags)
  }
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
