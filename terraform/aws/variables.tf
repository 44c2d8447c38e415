variable "region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "us-east-1"
}

variable "name_prefix" {
  description = "Prefix of every resource name this module chooses (cluster, services, roles, repositories, database, ...). The topic and queue names come from packages/messaging/topology.json unchanged."
  type        = string
  default     = "taskoverflow"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.name_prefix))
    error_message = "name_prefix must be 2-21 lower-case letters, digits or hyphens, starting with a letter."
  }
}

variable "tags" {
  description = "Extra tags for every resource (added to project and deployment)."
  type        = map(string)
  default     = {}
}

variable "endpoint_overrides" {
  description = "AWS API endpoints by provider service key (acm, applicationautoscaling, cloudwatch, ec2, ecr, ecs, elbv2, iam, logs, rds, s3, secretsmanager, servicediscovery, sns, sqs, sts), for a rehearsal against an emulator such as moto. Empty means real AWS. Any entry also turns off the provider's credential and account checks and switches S3 to path-style."
  type        = map(string)
  default     = {}
}

variable "lab_role_name" {
  description = "An existing IAM role to use as every task role and every execution role, for accounts that may not create IAM roles (AWS Academy Learner Lab: \"LabRole\"). Set, the module creates no IAM role and no IAM policy. Null: a least-privilege execution and task role per service."
  type        = string
  default     = null
}

# --- images ---------------------------------------------------------------------------------------------------

variable "build_images" {
  description = "Build each service's image from the repository's Dockerfile and push it to its ECR repository during apply (needs docker and the aws CLI where terraform runs). False when CI pushes the images."
  type        = bool
  default     = true
}

variable "image_tag" {
  description = "Image tag the task definitions run. Null means a hash of every file the image build copies (the build context without terraform/), so any change that reaches an image makes a new tag and a new deployment. Set it (e.g. to a git SHA) when images are built elsewhere. ECR tags are immutable: a tag is never pushed twice."
  type        = string
  default     = null
}

variable "image_platform" {
  description = "Platform for docker build and the Fargate runtime: linux/amd64 or linux/arm64."
  type        = string
  default     = "linux/amd64"

  validation {
    condition     = contains(["linux/amd64", "linux/arm64"], var.image_platform)
    error_message = "image_platform must be linux/amd64 or linux/arm64."
  }
}

variable "ecr_force_delete" {
  description = "Let terraform destroy delete ECR repositories that still hold images."
  type        = bool
  default     = false
}

# --- services -------------------------------------------------------------------------------------------------

variable "services" {
  description = "Per-service Fargate size and replica count. Keys are fixed: gateway, todo, calendar, job-status, explorer. desired_count is the count a service is created with (the calendar's is then its autoscaling's business); see README."
  type = map(object({
    cpu           = number
    memory        = number
    desired_count = number
  }))
  default = {
    gateway      = { cpu = 256, memory = 512, desired_count = 2 }
    todo         = { cpu = 256, memory = 512, desired_count = 2 }
    calendar     = { cpu = 256, memory = 512, desired_count = 2 }
    "job-status" = { cpu = 256, memory = 512, desired_count = 2 }
    # One is enough for an inspection tool; more share the database and the queue (and each streams it all).
    explorer = { cpu = 256, memory = 512, desired_count = 1 }
  }

  validation {
    condition     = toset(keys(var.services)) == toset(["gateway", "todo", "calendar", "job-status", "explorer"])
    error_message = "services must have exactly the keys gateway, todo, calendar, job-status, explorer."
  }
}

variable "wait_for_steady_state" {
  description = "Make apply wait until every ECS service is stable (its tasks running and, for the gateway, healthy in the target group), so a failed rollout fails the apply. False only for emulators that never reach a steady state (moto)."
  type        = bool
  default     = true
}

variable "public_url" {
  description = "The address users reach the system at (PUBLIC_URL of the services, for links they return). Null: the load balancer's own URL (https when certificate_arn is set)."
  type        = string
  default     = null
}

variable "calendar_autoscaling" {
  description = "Target-tracking autoscaling of the calendar service on its queue's backlog per task. False only for emulators that cannot create it (moto)."
  type        = bool
  default     = true
}

variable "calendar_min_tasks" {
  description = "Fewest calendar tasks when autoscaling."
  type        = number
  default     = 2

  validation {
    condition     = var.calendar_min_tasks >= 1
    error_message = "calendar_min_tasks must be at least 1 (the backlog-per-task metric divides by the running tasks)."
  }
}

variable "calendar_max_tasks" {
  description = "Most calendar tasks when autoscaling."
  type        = number
  default     = 6
}

variable "calendar_backlog_per_task" {
  description = "Target of the calendar autoscaling: visible messages in the calendar queue per running calendar task."
  type        = number
  default     = 20
}

variable "rate_limit_writes_per_minute" {
  description = "Gateway: todo writes (POST/PUT/DELETE) per client and minute; 0 turns the limit off (npm start and the benchmarks leave it off)."
  type        = number
  default     = 120
}

variable "rate_limit_exports_per_minute" {
  description = "Gateway: calendar exports (POST /api/v1/todos/ical) per client and minute; 0 turns the limit off."
  type        = number
  default     = 20
}

variable "event_group_max" {
  description = "Todo service: at most this many todo events of one type in one SNS message (a group, docs/architecture.md §14); 1 sends each alone, for the first deploy from a release whose consumers read no groups."
  type        = number
  default     = 50

  validation {
    condition     = var.event_group_max >= 1 && floor(var.event_group_max) == var.event_group_max
    error_message = "event_group_max must be a positive whole number."
  }
}

variable "log_level" {
  description = "LOG_LEVEL of every service (pino level)."
  type        = string
  default     = "info"
}

variable "log_retention_days" {
  description = "CloudWatch Logs retention of the service log groups."
  type        = number
  default     = 30
}

# --- network --------------------------------------------------------------------------------------------------

variable "vpc_cidr" {
  description = "CIDR of the VPC; two public and two private /20 subnets are carved from it."
  type        = string
  default     = "10.40.0.0/16"
}

variable "az_count" {
  description = "Availability zones to spread subnets over (2 or 3)."
  type        = number
  default     = 2
}

variable "ingress_cidrs" {
  description = "Who may reach the load balancer."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "certificate_arn" {
  description = "ACM certificate for an HTTPS listener on the ALB. Null: HTTP on port 80 only. Set: HTTPS on 443 and port 80 redirects."
  type        = string
  default     = null
}

variable "alb_access_logs" {
  description = "Write ALB access logs to the logs bucket (alb/ prefix)."
  type        = bool
  default     = false
}

variable "vpc_flow_logs" {
  description = "Write VPC flow logs (all traffic, accepted and rejected) to the logs bucket (AWSLogs/<account>/vpcflowlogs/)."
  type        = bool
  default     = false
}

variable "logs_retention_days" {
  description = "ALB access logs and VPC flow logs expire this many days after they were written."
  type        = number
  default     = 30
}

# --- alarms ---------------------------------------------------------------------------------------------------

variable "alarm_email" {
  description = "E-mail address subscribed to the alarms topic (AWS sends a confirmation mail first). Null: the topic has no subscription; subscribe anything you like."
  type        = string
  default     = null
}

variable "alarm_5xx_threshold" {
  description = "ALB 5xx answers (the load balancer's own plus the gateway's) in 5 minutes that raise the 5xx alarm."
  type        = number
  default     = 10
}

variable "alarm_db_cpu_percent" {
  description = "RDS CPU utilisation (average over 15 minutes) that raises the database CPU alarm."
  type        = number
  default     = 80
}

variable "alarm_db_free_storage_gib" {
  description = "RDS free storage below which the database storage alarm is raised."
  type        = number
  default     = 2
}
