# One PostgreSQL instance, one database and one login role per service (todo, calendar, job_status).
#
# No password is ever in the terraform state, the plan or the apply output:
# - the master password is RDS's own (manage_master_user_password): RDS draws it and keeps it in a Secrets
#   Manager secret it owns (rds!db-...); terraform knows only that secret's ARN.
# - each service's DATABASE_URL secret is written with a write-only argument (secret_string_wo) from an
#   ephemeral password (ephemeral "aws_secretsmanager_random_password": drawn by Secrets Manager during apply,
#   never stored). Bump var.db_credentials_version to draw new ones.
# - the one-shot db-init task (below) reads the master secret and the three DATABASE_URL secrets through ECS
#   secret injection and creates, per service, the role (or sets its password) and the database it owns.
# Each service's execution role reads only its own DATABASE_URL; nothing but db-init sees the master secret.
#
# TLS: the URLs say sslmode=verify-full with sslrootcert=var.db_ca_bundle_path, the RDS CA bundle in the images
# (README: TLS to the database). RDS for PostgreSQL 15+ refuses unencrypted connections anyway.

locals {
  db_services = { for k, s in local.services : k => s if s.database != null }
  db_username = "taskoverflow"

  # The role of a service is named like its database.
  db_tls_params = "sslmode=verify-full&sslrootcert=${urlencode(var.db_ca_bundle_path)}"

  # db-init runs from the todo image (pg resolves from packages/platform in every image).
  db_init_image_service = "todo"
}

resource "aws_db_subnet_group" "main" {
  name       = var.name_prefix
  subnet_ids = local.subnet_ids.private
}

resource "aws_db_instance" "main" {
  identifier     = var.name_prefix
  engine         = "postgres"
  engine_version = var.db_engine_version
  instance_class = var.db_instance_class

  allocated_storage     = var.db_allocated_storage
  max_allocated_storage = var.db_allocated_storage * 5
  storage_type          = "gp3"
  storage_encrypted     = true

  username                    = local.db_username
  manage_master_user_password = true
  port                        = 5432

  db_subnet_group_name   = aws_db_subnet_group.main.name
  vpc_security_group_ids = [aws_security_group.db.id]
  publicly_accessible    = false
  multi_az               = var.db_multi_az

  backup_retention_period    = var.db_backup_retention_days
  auto_minor_version_upgrade = true
  deletion_protection        = var.db_deletion_protection
  skip_final_snapshot        = var.db_skip_final_snapshot
  final_snapshot_identifier  = var.db_skip_final_snapshot ? null : "${var.name_prefix}-final"
  copy_tags_to_snapshot      = true
}

resource "aws_secretsmanager_secret" "database_url" {
  for_each = local.db_services

  name                    = "${var.name_prefix}/${each.key}/database-url"
  description             = "DATABASE_URL of the ${each.key} service (its own role; written by terraform write-only, role set by db-init)"
  recovery_window_in_days = var.secret_recovery_window_days
}

# Drawn by Secrets Manager on every plan and apply, kept nowhere: only the write-only argument below sends it.
ephemeral "aws_secretsmanager_random_password" "database" {
  for_each = local.db_services

  password_length     = 32
  exclude_punctuation = true # the password goes into a URL
}

resource "aws_secretsmanager_secret_version" "database_url" {
  for_each = local.db_services

  secret_id = aws_secretsmanager_secret.database_url[each.key].id
  secret_string_wo = format("postgres://%s:%s@%s:%d/%s?%s",
    each.value.database, ephemeral.aws_secretsmanager_random_password.database[each.key].random_password,
  aws_db_instance.main.address, aws_db_instance.main.port, each.value.database, local.db_tls_params)
  # A write-only value is sent only when this number changes: a new database address or CA path, or a bump of
  # db_credentials_version, writes a new URL with a new password (and db-init runs again, see below).
  secret_string_wo_version = parseint(substr(sha1(join(" ", [
    var.db_credentials_version, aws_db_instance.main.address, aws_db_instance.main.port, local.db_tls_params,
  ])), 0, 8), 16)
}

# --- db-init: a one-shot ECS task, run during apply before the services start --------------------------------

resource "aws_cloudwatch_log_group" "db_init" {
  name              = "/ecs/${var.name_prefix}/db-init"
  retention_in_days = var.log_retention_days
}

resource "aws_ecs_task_definition" "db_init" {
  family                   = "${var.name_prefix}-db-init"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 256
  memory                   = 512
  execution_role_arn       = local.execution_role_arn["db-init"]
  # Its code calls no AWS API; with a lab role that role is the task role too, as for every task.
  task_role_arn = local.create_iam ? null : data.aws_iam_role.lab[0].arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = local.cpu_architecture
  }

  container_definitions = jsonencode([{
    name             = "db-init"
    image            = local.image[local.db_init_image_service]
    essential        = true
    workingDirectory = "/app/packages/platform"
    command          = ["node", "-e", file("${path.module}/db-init.cjs")]
    environment = [
      { name = "DB_HOST", value = aws_db_instance.main.address },
      { name = "DB_PORT", value = tostring(aws_db_instance.main.port) },
      { name = "DB_SSL_ROOT_CERT", value = var.db_ca_bundle_path },
    ]
    secrets = concat(
      [
        { name = "MASTER_USERNAME", valueFrom = "${aws_db_instance.main.master_user_secret[0].secret_arn}:username::" },
        { name = "MASTER_PASSWORD", valueFrom = "${aws_db_instance.main.master_user_secret[0].secret_arn}:password::" },
      ],
      [for k, s in aws_secretsmanager_secret.database_url : { name = "DATABASE_URL_${upper(replace(k, "-", "_"))}", valueFrom = s.arn }],
    )
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.db_init.name
        awslogs-region        = var.region
        awslogs-stream-prefix = "db-init"
      }
    }
  }])
}

# Runs the task and waits for it to stop; a non-zero exit fails the apply. Again whenever the task definition or
# a service's DATABASE_URL changes. The services depend on this, so they start with their roles in place.
resource "terraform_data" "db_init" {
  count = var.run_db_init ? 1 : 0

  triggers_replace = [
    aws_ecs_task_definition.db_init.arn,
    [for v in aws_secretsmanager_secret_version.database_url : v.version_id],
  ]

  provisioner "local-exec" {
    interpreter = ["bash", "-euo", "pipefail", "-c"]
    environment = {
      AWS_REGION = var.region
      CLUSTER    = aws_ecs_cluster.main.name
      TASK_DEF   = aws_ecs_task_definition.db_init.arn
      NETWORK    = "awsvpcConfiguration={subnets=[${join(",", local.subnet_ids.private)}],securityGroups=[${aws_security_group.db_init.id}],assignPublicIp=DISABLED}"
      LOG_GROUP  = aws_cloudwatch_log_group.db_init.name
    }
    command = <<-EOT
      task=$(aws ecs run-task --region "$AWS_REGION" --cluster "$CLUSTER" --task-definition "$TASK_DEF" \
        --launch-type FARGATE --network-configuration "$NETWORK" --query 'tasks[0].taskArn' --output text)
      echo "db-init: task $task"
      for _ in 1 2 3 4 5 6; do  # 'wait tasks-stopped' gives up after 10 minutes
        aws ecs wait tasks-stopped --region "$AWS_REGION" --cluster "$CLUSTER" --tasks "$task" && break
      done
      code=$(aws ecs describe-tasks --region "$AWS_REGION" --cluster "$CLUSTER" --tasks "$task" \
        --query 'tasks[0].containers[0].exitCode' --output text)
      if [[ "$code" != 0 ]]; then
        reason=$(aws ecs describe-tasks --region "$AWS_REGION" --cluster "$CLUSTER" --tasks "$task" \
          --query 'tasks[0].[stoppedReason,containers[0].reason]' --output text)
        echo "db-init failed (exit code $code: $reason); its log: aws logs tail $LOG_GROUP" >&2
        exit 1
      fi
      echo "db-init: done"
    EOT
  }
}
