# The four services on Fargate in the private subnets. They find each other through ECS Service Connect: todo
# job-status and calendar are published in the namespace under their own names, so the callers use
# http://todo:6401, http://job-status:6403 and http://calendar:6402, exactly as in docker compose.

locals {
  # port: PORT (the defaults of the services' config.ts); database: its database name, or null; queue: the
  # topology.json queue it consumes, or null; publishes: to the topic; bucket_access: calendars bucket.
  services = {
    gateway      = { port = 6400, database = null, queue = null, publishes = false, bucket_access = null, discoverable = false }
    todo         = { port = 6401, database = "todo", queue = null, publishes = true, bucket_access = null, discoverable = true }
    calendar     = { port = 6402, database = "calendar", queue = "calendar", publishes = true, bucket_access = "write", discoverable = true }
    "job-status" = { port = 6403, database = "job_status", queue = "job-status", publishes = false, bucket_access = "read", discoverable = true }
    explorer     = { port = 6404, database = "explorer", queue = "explorer", publishes = false, bucket_access = null, discoverable = true }
  }

  # HTTP calls between services (security group rules follow these).
  service_calls = [
    { from = "gateway", to = "todo" },
    { from = "gateway", to = "job-status" },
    { from = "gateway", to = "calendar" }, # GET /api/v1/todos/calendar.ics (the subscribed feed)
    { from = "gateway", to = "explorer" }, # /api/v1/explorer/* (explorer.tf)
    { from = "calendar", to = "todo" },    # GET /internal/todos/snapshot
    { from = "job-status", to = "todo" },  # GET /internal/v1/calendar-requests/:id
  ]

  url = { for k, s in local.services : k => "http://${k}:${s.port}" }

  # What users reach the system at: links the services return (task_url, ...) start with it.
  public_url = coalesce(var.public_url, "${local.https ? "https" : "http"}://${aws_lb.main.dns_name}")

  # Plain environment per service; DATABASE_URL comes from Secrets Manager (below). Every variable a service's
  # config schema needs in production must be here: terraform/test/task-environment.infra.test.ts checks it
  # against services/*/src/config.ts on the task definitions the moto rehearsal registered.
  environment = {
    gateway = {
      TODO_SERVICE_URL       = local.url.todo
      JOB_STATUS_SERVICE_URL = local.url["job-status"]
      CALENDAR_SERVICE_URL   = local.url.calendar
      EXPLORER_SERVICE_URL   = local.url.explorer
      TRUST_PROXY            = "true"
      # Per-client limits on writes and exports (429 + Retry-After); 0 turns a limit off.
      RATE_LIMIT_WRITES_PER_MINUTE  = tostring(var.rate_limit_writes_per_minute)
      RATE_LIMIT_EXPORTS_PER_MINUTE = tostring(var.rate_limit_exports_per_minute)
    }
    todo = {
      AWS_REGION = var.region
      TOPIC_ARN  = aws_sns_topic.events.arn
      # 1 for the first deploy from a release whose consumers read no groups (docs/architecture.md §14).
      EVENT_GROUP_MAX = tostring(var.event_group_max)
    }
    calendar = {
      AWS_REGION         = var.region
      TOPIC_ARN          = aws_sns_topic.events.arn
      CALENDAR_QUEUE_URL = aws_sqs_queue.work["calendar"].url
      CALENDAR_BUCKET    = aws_s3_bucket.calendars.bucket
      TODO_SERVICE_URL   = local.url.todo
    }
    "job-status" = {
      AWS_REGION           = var.region
      JOB_STATUS_QUEUE_URL = aws_sqs_queue.work["job-status"].url
      TODO_SERVICE_URL     = local.url.todo
      # job-status serves results only from this bucket (a CalendarReady naming another is dropped).
      CALENDAR_BUCKET = aws_s3_bucket.calendars.bucket
    }
    explorer = local.explorer_environment # explorer.tf
  }

  health_check_path = "/api/v1/health" # every service serves it
  cpu_architecture  = var.image_platform == "linux/arm64" ? "ARM64" : "X86_64"
}

resource "aws_cloudwatch_log_group" "service" {
  for_each = local.services

  name              = "/ecs/${var.name_prefix}/${each.key}"
  retention_in_days = var.log_retention_days
}

resource "aws_service_discovery_http_namespace" "main" {
  name        = var.name_prefix
  description = "Service Connect namespace of ${var.name_prefix}"
}

resource "aws_ecs_cluster" "main" {
  name = var.name_prefix

  setting {
    name  = "containerInsights"
    value = "enabled"
  }

  service_connect_defaults {
    namespace = aws_service_discovery_http_namespace.main.arn
  }
}

resource "aws_ecs_cluster_capacity_providers" "main" {
  cluster_name       = aws_ecs_cluster.main.name
  capacity_providers = ["FARGATE"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }
}

resource "aws_ecs_task_definition" "service" {
  for_each = local.services

  family                   = "${var.name_prefix}-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.services[each.key].cpu
  memory                   = var.services[each.key].memory
  execution_role_arn       = local.execution_role_arn[each.key]
  task_role_arn            = local.task_role_arn[each.key]

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = local.cpu_architecture
  }

  container_definitions = jsonencode([{
    name      = each.key
    image     = local.image[each.key]
    essential = true
    portMappings = [{
      name          = "http"
      containerPort = each.value.port
      protocol      = "tcp"
      appProtocol   = "http"
    }]
    environment = [
      for name, value in merge(
        { PORT = tostring(each.value.port), HOST = "0.0.0.0", LOG_LEVEL = var.log_level, PUBLIC_URL = local.public_url },
        # A new DATABASE_URL (new password) makes a new revision, hence a rolling deployment onto it.
        each.value.database == null ? {} : { DATABASE_URL_VERSION = aws_secretsmanager_secret_version.database_url[each.key].version_id },
        local.environment[each.key],
      ) : { name = name, value = value }
    ]
    secrets = concat(
      each.value.database == null ? [] : [
        { name = "DATABASE_URL", valueFrom = aws_secretsmanager_secret.database_url[each.key].arn }
      ],
      # Other secrets of a service (EXPLORER_TOKEN, explorer.tf).
      [for name, arn in lookup(local.service_secrets, each.key, {}) : { name = name, valueFrom = arn }],
    )
    # The image has no curl; Node.js 24 has fetch.
    healthCheck = {
      command     = ["CMD", "node", "-e", "fetch('http://127.0.0.1:${each.value.port}${local.health_check_path}').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
      interval    = 15
      timeout     = 5
      retries     = 3
      startPeriod = 30
    }
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.service[each.key].name
        awslogs-region        = var.region
        awslogs-stream-prefix = each.key
      }
    }
    stopTimeout = 30 # the consumers finish messages in flight on SIGTERM
  }])

  lifecycle {
    precondition {
      condition     = each.value.queue == null || contains(keys(local.queues), coalesce(each.value.queue, "-"))
      error_message = "The ${each.key} service consumes a queue that packages/messaging/topology.json does not define."
    }
  }
}

resource "aws_ecs_service" "service" {
  for_each = local.services

  name                               = each.key
  cluster                            = aws_ecs_cluster.main.id
  task_definition                    = aws_ecs_task_definition.service[each.key].arn
  desired_count                      = each.key == "calendar" && var.calendar_autoscaling ? var.calendar_min_tasks : var.services[each.key].desired_count
  launch_type                        = "FARGATE"
  propagate_tags                     = "SERVICE"
  enable_execute_command             = false
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  health_check_grace_period_seconds  = each.key == "gateway" ? 60 : null
  wait_for_steady_state              = var.wait_for_steady_state

  network_configuration {
    subnets          = local.subnet_ids.private
    security_groups  = [aws_security_group.service[each.key].id]
    assign_public_ip = false
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  dynamic "load_balancer" {
    for_each = each.key == "gateway" ? [1] : []
    content {
      target_group_arn = aws_lb_target_group.gateway.arn
      container_name   = "gateway"
      container_port   = each.value.port
    }
  }

  # Every service is a Service Connect client (it can resolve todo and job-status); todo and job-status are
  # also published under their names.
  service_connect_configuration {
    enabled   = true
    namespace = aws_service_discovery_http_namespace.main.arn

    dynamic "service" {
      for_each = each.value.discoverable ? [1] : []
      content {
        port_name      = "http"
        discovery_name = each.key
        client_alias {
          dns_name = each.key
          port     = each.value.port
        }
      }
    }
  }

  # desired_count is the count at creation: afterwards the calendar's autoscaling owns it, and an apply must
  # not reset a scaled-out service in the middle of a backlog. (Change the others with update-service; README.)
  lifecycle {
    ignore_changes = [desired_count]
  }

  # db-init: the roles and databases exist before a service starts.
  depends_on = [
    aws_lb_listener.http, aws_iam_role_policy.execution, aws_iam_role_policy.task, terraform_data.db_init,
    aws_iam_role_policy.explorer, aws_secretsmanager_secret_version.explorer_token, # explorer.tf
  ]
}
