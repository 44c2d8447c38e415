# One VPC: public subnets for the load balancer and the NAT gateway, private subnets for the tasks and the
# database. Tasks reach ECR, CloudWatch Logs, Secrets Manager, SNS and SQS through the NAT gateway and S3 through
# a (free) gateway endpoint. VPC flow logs (var.vpc_flow_logs) at the end.

data "aws_availability_zones" "available" {
  state = "available"
}

locals {
  azs = slice(data.aws_availability_zones.available.names, 0, var.az_count)

  # Two tiers of one subnet per AZ each, /20 blocks of the VPC range (public from block 0, private from block 8);
  # a tier's route table sends everything else to the internet gateway (public) or the NAT gateway (private).
  tiers      = { public = { first_block = 0 }, private = { first_block = 8 } }
  subnets    = { for p in setproduct(keys(local.tiers), range(var.az_count)) : "${p[0]}-${p[1]}" => { tier = p[0], az = p[1] } }
  subnet_ids = { for t in keys(local.tiers) : t => [for i in range(var.az_count) : aws_subnet.subnet["${t}-${i}"].id] }
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

resource "aws_subnet" "subnet" {
  for_each = local.subnets

  vpc_id                  = aws_vpc.main.id
  availability_zone       = local.azs[each.value.az]
  cidr_block              = cidrsubnet(var.vpc_cidr, 4, local.tiers[each.value.tier].first_block + each.value.az)
  map_public_ip_on_launch = false
  tags                    = { Name = "${var.name_prefix}-${each.value.tier}-${local.azs[each.value.az]}" }
}

resource "aws_route_table" "tier" {
  for_each = local.tiers

  vpc_id = aws_vpc.main.id
  tags   = { Name = "${var.name_prefix}-${each.key}" }
}

resource "aws_route" "default" {
  for_each = local.tiers

  route_table_id         = aws_route_table.tier[each.key].id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = each.key == "public" ? aws_internet_gateway.main.id : null
  nat_gateway_id         = each.key == "private" ? aws_nat_gateway.main.id : null
}

resource "aws_route_table_association" "subnet" {
  for_each = local.subnets

  subnet_id      = aws_subnet.subnet[each.key].id
  route_table_id = aws_route_table.tier[each.value.tier].id
}

# One NAT gateway (in the first AZ) keeps the cost down; a NAT gateway per AZ removes the cross-AZ dependency.
resource "aws_eip" "nat" {
  domain = "vpc"
  tags   = { Name = "${var.name_prefix}-nat" }
}

resource "aws_nat_gateway" "main" {
  allocation_id = aws_eip.nat.id
  subnet_id     = aws_subnet.subnet["public-0"].id
  tags          = { Name = var.name_prefix }

  depends_on = [aws_internet_gateway.main]
}

resource "aws_vpc_endpoint" "s3" {
  vpc_id            = aws_vpc.main.id
  service_name      = "com.amazonaws.${var.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.tier["private"].id]
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

resource "aws_security_group" "service" {
  for_each = local.services

  name        = "${var.name_prefix}-${each.key}"
  description = "The ${each.key} service's tasks"
  vpc_id      = aws_vpc.main.id
}

# Outbound, per service (and db-init) only what it needs: PostgreSQL and the callees' ports (the links below), and
# - HTTPS (443/tcp) anywhere: the AWS APIs (ECR, CloudWatch Logs, Secrets Manager, SNS, SQS, ECS/Service Connect)
#   are public endpoints reached through the NAT gateway, S3 through the gateway endpoint; Fargate pulls the
#   image and the secrets through the task's own network interface, so even the gateway needs it. No other
#   port or protocol leaves the VPC. (DNS to the VPC resolver is not subject to security groups.)
resource "aws_vpc_security_group_egress_rule" "https" {
  for_each = merge({ for k, g in aws_security_group.service : k => g.id }, { "db-init" = aws_security_group.db_init.id })

  security_group_id = each.value
  description       = "HTTPS to AWS APIs"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

# db-init: HTTPS (image, logs, secrets; above) and PostgreSQL (below), nothing else, and nothing may reach it.
resource "aws_security_group" "db_init" {
  name        = "${var.name_prefix}-db-init"
  description = "The one-shot db-init task"
  vpc_id      = aws_vpc.main.id
}

resource "aws_security_group" "db" {
  name        = "${var.name_prefix}-db"
  description = "PostgreSQL: only from the services that own a database"
  vpc_id      = aws_vpc.main.id
}

# Group to group, one TCP port: each link is an egress rule on the caller's group and the matching ingress rule
# on the callee's. The load balancer reaches the gateway; a service reaches the services it calls (service_calls,
# through Service Connect, whose proxy listens on the container port); the services that own a database and
# db-init reach PostgreSQL.
locals {
  security_group_links = merge(
    { "alb->gateway" = { from = aws_security_group.alb.id, to = aws_security_group.service["gateway"].id, port = local.services.gateway.port, description = "HTTP to gateway" } },
    { for c in local.service_calls : "${c.from}->${c.to}" => { from = aws_security_group.service[c.from].id, to = aws_security_group.service[c.to].id, port = local.services[c.to].port, description = "HTTP to ${c.to}" } },
    { for k, _ in local.db_services : "${k}->db" => { from = aws_security_group.service[k].id, to = aws_security_group.db.id, port = 5432, description = "PostgreSQL" } },
    { "db-init->db" = { from = aws_security_group.db_init.id, to = aws_security_group.db.id, port = 5432, description = "PostgreSQL" } },
  )
}

resource "aws_vpc_security_group_egress_rule" "link" {
  for_each = local.security_group_links

  security_group_id            = each.value.from
  description                  = each.value.description
  referenced_security_group_id = each.value.to
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
}

resource "aws_vpc_security_group_ingress_rule" "link" {
  for_each = local.security_group_links

  security_group_id            = each.value.to
  referenced_security_group_id = each.value.from
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
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
