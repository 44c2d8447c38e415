output "url" {
  description = "The system's address (web UI and /api/v1), through the load balancer."
  value       = "${local.https ? "https" : "http"}://${aws_lb.main.dns_name}"
}

output "topic_arn" {
  description = "The SNS topic every event goes through."
  value       = aws_sns_topic.events.arn
}

output "queue_urls" {
  description = "Work queue URL per topology.json queue key."
  value       = { for k, q in aws_sqs_queue.work : k => q.url }
}

output "dlq_urls" {
  description = "Dead-letter queue URL per topology.json queue key."
  value       = { for k, q in aws_sqs_queue.dlq : k => q.url }
}

output "calendar_bucket" {
  description = "The S3 bucket holding generated calendars."
  value       = aws_s3_bucket.calendars.bucket
}

output "ecr_repositories" {
  description = "ECR repository URL per service (push <url>:<image_tag> when build_images is false)."
  value       = { for k, r in aws_ecr_repository.service : k => r.repository_url }
}

output "image_tag" {
  description = "The tag the task definitions run."
  value       = local.image_tag
}

output "cluster" {
  description = "The ECS cluster name."
  value       = aws_ecs_cluster.main.name
}

output "log_groups" {
  description = "CloudWatch log group per service."
  value       = { for k, g in aws_cloudwatch_log_group.service : k => g.name }
}

output "database_endpoint" {
  description = "The PostgreSQL instance (reachable from the service tasks only)."
  value       = aws_db_instance.main.endpoint
}

output "public_url" {
  description = "PUBLIC_URL of the services."
  value       = local.public_url
}

output "alarms_topic_arn" {
  description = "The SNS topic the CloudWatch alarms notify (subscribe to it, or set alarm_email)."
  value       = aws_sns_topic.alarms.arn
}

output "database_master_secret_arn" {
  description = "The RDS-managed secret holding the master user's password (only db-init reads it)."
  value       = aws_db_instance.main.master_user_secret[0].secret_arn
}

output "database_url_secrets" {
  description = "Secrets Manager secret (DATABASE_URL with the service's own role) per service."
  value       = { for k, s in aws_secretsmanager_secret.database_url : k => s.arn }
}

output "db_init_command" {
  description = "Runs the one-shot db-init task by hand (what apply does when run_db_init is true)."
  value = join(" ", [
    "aws ecs run-task --region ${var.region} --cluster ${aws_ecs_cluster.main.name}",
    "--task-definition ${aws_ecs_task_definition.db_init.arn} --launch-type FARGATE",
    "--network-configuration 'awsvpcConfiguration={subnets=[${join(",", local.subnet_ids.private)}],securityGroups=[${aws_security_group.db_init.id}],assignPublicIp=DISABLED}'",
  ])
}

output "iam_roles_created" {
  description = "Whether the module created its own IAM roles (false when lab_role_name is set)."
  value       = local.create_iam
}
