# One VPC: public subnets for the load balancer and the NAT gateway, private subnets for the tasks and the
# database. Tasks reach ECR, CloudWatch Logs, Secrets Manager, SNS and SQS through the NAT gateway and S3 through
# a (free) gateway endpoint. VPC flow logs (var.vpc_flow_logs) at the end.

data "aws_availability_zones" "available" {
  state = "available"
}

locals {
  azs = slice(data.aws_availability_zones.available.names, 0, var.az_count)
}

resource "aws_vpc" "main" {
  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = { Name = var.name_prefix }
}

resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id
  tags   = { Name = var.name_prefix }
}

resource "aws_subnet" "public" {
  count = var.az_count

  vpc_id                  = aws_vpc.main.id
  availability_zone       = local.azs[count.index]
  cidr_block              = cidrsubnet(var.vpc_cidr, 4, count.index)
  map_public_ip_on_launch = false
  tags                    = { Name = "${var.name_prefix}-public-${local.azs[count.index]}" }
}

resource "aws_subnet" "private" {
  count = var.az_count

  vpc_id            = aws_vpc.main.id
  availability_zone = local.azs[count.index]
  cidr_block        = cidrsubnet(var.vpc_cidr, 4, 8 + count.index)
  tags              = { Name = "${var.name_prefix}-private-${local.azs[count.index]}" }
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id
  tags   = { Name = "${var.name_prefix}-public" }
}

resource "aws_route" "public_internet" {
  route_table_id         = aws_route_table.public.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.main.id
}

resource "aws_route_table_association" "public" {
  count = var.az_count

  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public.id
}

# One NAT gateway (in the first AZ) keeps the cost down; a NAT gateway per AZ removes the cross-AZ dependency.
resource "aws_eip" "nat" {
  domain = "vpc"
  tags   = { Name = "${var.name_prefix}-nat" }
}

resource "aws_nat_gateway" "main" {
  allocation_id = aws_eip.nat.id
  subnet_id     = aws_subnet.public[0].id
  tags          = { Name = var.name_prefix }

  depends_on = [aws_internet_gateway.main]
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id
  tags   = { Name = "${var.name_prefix}-private" }
}

resource "aws_route" "private_nat" {
  route_table_id         = aws_route_table.private.id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.main.id
}

resource "aws_route_table_association" "private" {
  count = var.az_count

  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private.id
}

resource "aws_vpc_endpoint" "s3" {
  vpc_id            = aws_vpc.main.id
  service_name      = "com.amazonaws.${var.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.private.id]
  tags              = { Name = "${var.name_prefix}-s3" }
}

# --- security groups: the load balancer reaches only the gateway; services reach only the services they call;
# --- the database takes connections only from the services that own a database.

resource "aws_security_group" "alb" {
  name        = "${var.name_prefix}-alb"
  description = "Load balancer: HTTP(S) from ingress_cidrs, out to the gateway only"
  vpc_id      = aws_vpc.main.id
}

resource "aws_vpc_security_group_ingress_rule" "alb" {
  for_each = { for pair in setproduct(var.ingress_cidrs, local.alb_ports) : "${pair[0]}:${pair[1]}" => pair }

  security_group_id = aws_security_group.alb.id
  cidr_ipv4         = each.value[0]
  ip_protocol       = "tcp"
  from_port         = each.value[1]
  to_port           = each.value[1]
}

resource "aws_vpc_security_group_egress_rule" "alb_to_gateway" {
  security_group_id            = aws_security_group.alb.id
  referenced_security_group_id = aws_security_group.service["gateway"].id
  ip_protocol                  = "tcp"
  from_port                    = local.services.gateway.port
  to_port                      = local.services.gateway.port
}

resource "aws_security_group" "service" {
  for_each = local.services

  name        = "${var.name_prefix}-${each.key}"
  description = "The ${each.key} service's tasks"
  vpc_id      = aws_vpc.main.id
}

# Outbound, per service only what it needs:
# - HTTPS (443/tcp) anywhere: the AWS APIs (ECR, CloudWatch Logs, Secrets Manager, SNS, SQS, ECS/Service Connect)
#   are public endpoints reached through the NAT gateway, S3 through the gateway endpoint; Fargate pulls the
#   image and the secrets through the task's own network interface, so even the gateway needs it. No other
#   port or protocol leaves the VPC. (DNS to the VPC resolver is not subject to security groups.)
# - PostgreSQL (5432/tcp) to the database's group, for the services that own a database;
# - each callee's port to the callee's group (service_calls).
resource "aws_vpc_security_group_egress_rule" "service_https" {
  for_each = local.services

  security_group_id = aws_security_group.service[each.key].id
  description       = "HTTPS to AWS APIs"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_egress_rule" "service_db" {
  for_each = local.db_services

  security_group_id            = aws_security_group.service[each.key].id
  description                  = "PostgreSQL"
  referenced_security_group_id = aws_security_group.db.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
}

resource "aws_vpc_security_group_egress_rule" "service_calls" {
  for_each = { for c in local.service_calls : "${c.from}->${c.to}" => c }

  security_group_id            = aws_security_group.service[each.value.from].id
  description                  = "HTTP to ${each.value.to}"
  referenced_security_group_id = aws_security_group.service[each.value.to].id
  ip_protocol                  = "tcp"
  from_port                    = local.services[each.value.to].port
  to_port                      = local.services[each.value.to].port
}

# db-init: HTTPS (image, logs, secrets) and PostgreSQL, nothing else, and nothing may reach it.
resource "aws_security_group" "db_init" {
  name        = "${var.name_prefix}-db-init"
  description = "The one-shot db-init task"
  vpc_id      = aws_vpc.main.id
}

resource "aws_vpc_security_group_egress_rule" "db_init_https" {
  security_group_id = aws_security_group.db_init.id
  description       = "HTTPS to AWS APIs"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_egress_rule" "db_init_db" {
  security_group_id            = aws_security_group.db_init.id
  description                  = "PostgreSQL"
  referenced_security_group_id = aws_security_group.db.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
}

resource "aws_vpc_security_group_ingress_rule" "gateway_from_alb" {
  security_group_id            = aws_security_group.service["gateway"].id
  referenced_security_group_id = aws_security_group.alb.id
  ip_protocol                  = "tcp"
  from_port                    = local.services.gateway.port
  to_port                      = local.services.gateway.port
}

# Who calls whom over HTTP (through Service Connect, whose proxy listens on the container port).
resource "aws_vpc_security_group_ingress_rule" "service_calls" {
  for_each = { for c in local.service_calls : "${c.from}->${c.to}" => c }

  security_group_id            = aws_security_group.service[each.value.to].id
  referenced_security_group_id = aws_security_group.service[each.value.from].id
  ip_protocol                  = "tcp"
  from_port                    = local.services[each.value.to].port
  to_port                      = local.services[each.value.to].port
}

resource "aws_security_group" "db" {
  name        = "${var.name_prefix}-db"
  description = "PostgreSQL: only from the services that own a database"
  vpc_id      = aws_vpc.main.id
}

resource "aws_vpc_security_group_ingress_rule" "db" {
  for_each = local.db_services

  security_group_id            = aws_security_group.db.id
  referenced_security_group_id = aws_security_group.service[each.key].id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
}

resource "aws_vpc_security_group_ingress_rule" "db_from_db_init" {
  security_group_id            = aws_security_group.db.id
  referenced_security_group_id = aws_security_group.db_init.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
}

# --- VPC flow logs (var.vpc_flow_logs) to the logs bucket: S3 delivery needs no IAM role (Learner Lab) ----------

resource "aws_flow_log" "vpc" {
  count = var.vpc_flow_logs ? 1 : 0

  vpc_id               = aws_vpc.main.id
  traffic_type         = "ALL"
  log_destination_type = "s3"
  log_destination      = aws_s3_bucket.logs[0].arn

  depends_on = [aws_s3_bucket_policy.logs]
}
