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
