# Scale and alarms: the calendar worker follows its queue's backlog; CloudWatch alarms on what needs a person go
# to one SNS topic (optionally an e-mail address).

# --- target tracking of the calendar service on backlog per task ---------------------------------------------
# The metric is visible messages in the calendar queue divided by running calendar tasks (Container Insights'
# RunningTaskCount; the cluster has Container Insights on), the usual "acceptable backlog per worker" target:
# a burst of CalendarRequested events scales out, an idle queue scales back to calendar_min_tasks.
# (calendar_autoscaling=false for moto: aws_appautoscaling_target makes the provider crash against it.)

resource "aws_appautoscaling_target" "calendar" {
  count = var.calendar_autoscaling ? 1 : 0

  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.main.name}/${aws_ecs_service.service["calendar"].name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.calendar_min_tasks
  max_capacity       = var.calendar_max_tasks

  lifecycle {
    precondition {
      condition     = var.calendar_max_tasks >= var.calendar_min_tasks
      error_message = "calendar_max_tasks must be at least calendar_min_tasks."
    }
  }
}

resource "aws_appautoscaling_policy" "calendar_backlog" {
  count = var.calendar_autoscaling ? 1 : 0

  name               = "${var.name_prefix}-calendar-backlog-per-task"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.calendar[0].service_namespace
  resource_id        = aws_appautoscaling_target.calendar[0].resource_id
  scalable_dimension = aws_appautoscaling_target.calendar[0].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.calendar_backlog_per_task
    scale_out_cooldown = 30
    scale_in_cooldown  = 300

    customized_metric_specification {
      metrics {
        id          = "visible"
        label       = "Visible messages in the calendar queue"
        return_data = false
        metric_stat {
          stat = "Sum"
          metric {
            namespace   = "AWS/SQS"
            metric_name = "ApproximateNumberOfMessagesVisible"
            dimensions {
              name  = "QueueName"
              value = aws_sqs_queue.work["calendar"].name
            }
          }
        }
      }
      metrics {
        id          = "tasks"
        label       = "Running calendar tasks"
        return_data = false
        metric_stat {
          stat = "Average"
          metric {
            namespace   = "ECS/ContainerInsights"
            metric_name = "RunningTaskCount"
            dimensions {
              name  = "ClusterName"
              value = aws_ecs_cluster.main.name
            }
            dimensions {
              name  = "ServiceName"
              value = aws_ecs_service.service["calendar"].name
            }
          }
        }
      }
      metrics {
        id          = "backlog_per_task"
        label       = "Calendar backlog per task"
        expression  = "visible / tasks"
        return_data = true
      }
    }
  }
}

# --- alarms ---------------------------------------------------------------------------------------------------

resource "aws_sns_topic" "alarms" {
  name = "${var.name_prefix}-alarms"
}

resource "aws_sns_topic_subscription" "alarm_email" {
  count = var.alarm_email == null ? 0 : 1

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

locals {
  alarm_actions = [aws_sns_topic.alarms.arn]
}

# A dead letter is a message the system gave up on: one is enough to look.
resource "aws_cloudwatch_metric_alarm" "dlq_not_empty" {
  for_each = local.queues

  alarm_name          = "${var.name_prefix}-${each.key}-dlq-not-empty"
  alarm_description   = "Messages in ${each.value.deadLetterQueue.name}: events the ${each.key} consumer gave up on (see docs/events.md for redriving them)."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dlq[each.key].name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# The other alarms, keyed by the alarm name's suffix, a row each: the metric (namespace, name, dimensions,
# statistic), then when it breaches (period in seconds, periods in a row, comparison, threshold, what missing
# data means).
locals {
  lb_dimensions     = { LoadBalancer = aws_lb.main.arn_suffix }
  target_dimensions = { LoadBalancer = aws_lb.main.arn_suffix, TargetGroup = aws_lb_target_group.gateway.arn_suffix }
  db_dimensions     = { DBInstanceIdentifier = aws_db_instance.main.identifier }

  alarms = {
    "alb-elb-5xx"               = ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", local.lb_dimensions, "Sum", 300, 1, "GreaterThanThreshold", var.alarm_5xx_threshold, "notBreaching"]
    "alb-target-5xx"            = ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", local.lb_dimensions, "Sum", 300, 1, "GreaterThanThreshold", var.alarm_5xx_threshold, "notBreaching"]
    "gateway-unhealthy-targets" = ["AWS/ApplicationELB", "UnHealthyHostCount", local.target_dimensions, "Maximum", 60, 3, "GreaterThanThreshold", 0, "notBreaching"]
    "gateway-no-healthy-target" = ["AWS/ApplicationELB", "HealthyHostCount", local.target_dimensions, "Minimum", 60, 2, "LessThanThreshold", 1, "breaching"]
    "db-cpu"                    = ["AWS/RDS", "CPUUtilization", local.db_dimensions, "Average", 300, 3, "GreaterThanThreshold", var.alarm_db_cpu_percent, "missing"]
    "db-free-storage"           = ["AWS/RDS", "FreeStorageSpace", local.db_dimensions, "Minimum", 300, 1, "LessThanThreshold", var.alarm_db_free_storage_gib * 1024 * 1024 * 1024, "missing"]
  }
  # 5xx made by the load balancer itself (no healthy target, timeouts) and 5xx answered by the gateway (which
  # turns a failing or slow backend into 502/504).
  alarm_descriptions = {
    "alb-elb-5xx"               = "More than ${var.alarm_5xx_threshold} 5xx answered by the load balancer itself in 5 minutes."
    "alb-target-5xx"            = "More than ${var.alarm_5xx_threshold} 5xx answered by the gateway in 5 minutes."
    "gateway-unhealthy-targets" = "A gateway task fails the load balancer's health check (${local.health_check_path}) for 3 minutes."
    "gateway-no-healthy-target" = "No gateway task is healthy in the target group: the system is down."
    "db-cpu"                    = "The database's CPU above ${var.alarm_db_cpu_percent}% for 15 minutes."
    "db-free-storage"           = "Less than ${var.alarm_db_free_storage_gib} GiB free on the database (storage autoscaling grows it up to ${var.db_allocated_storage * 5} GiB)."
  }
}

resource "aws_cloudwatch_metric_alarm" "alarm" {
  for_each = local.alarms

  alarm_name          = "${var.name_prefix}-${each.key}"
  alarm_description   = local.alarm_descriptions[each.key]
  namespace           = each.value[0]
  metric_name         = each.value[1]
  dimensions          = each.value[2]
  statistic           = each.value[3]
  period              = each.value[4]
  evaluation_periods  = each.value[5]
  comparison_operator = each.value[6]
  threshold           = each.value[7]
  treat_missing_data  = each.value[8]
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}
