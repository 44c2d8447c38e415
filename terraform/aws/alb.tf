# The only public entry: an internet-facing ALB in the public subnets, forwarding to the gateway's tasks.

locals {
  https     = var.certificate_arn != null
  alb_ports = local.https ? [80, 443] : [80]
}

resource "aws_lb" "main" {
  name                       = var.name_prefix
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = local.subnet_ids.public
  security_groups            = [aws_security_group.alb.id]
  drop_invalid_header_fields = true
  idle_timeout               = 60

  dynamic "access_logs" {
    for_each = var.alb_access_logs ? [1] : []
    content {
      bucket  = aws_s3_bucket.logs[0].id
      prefix  = local.alb_logs_prefix
      enabled = true
    }
  }

  # The bucket policy must let ELB write before access logs are turned on (ELB writes a test object).
  depends_on = [aws_s3_bucket_policy.logs]
}

resource "aws_lb_target_group" "gateway" {
  name                 = "${var.name_prefix}-gateway"
  vpc_id               = aws_vpc.main.id
  target_type          = "ip"
  protocol             = "HTTP"
  port                 = local.services.gateway.port
  deregistration_delay = 30

  health_check {
    path                = local.health_check_path
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.main.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = local.https ? "redirect" : "forward"
    target_group_arn = local.https ? null : aws_lb_target_group.gateway.arn

    dynamic "redirect" {
      for_each = local.https ? [1] : []
      content {
        port        = "443"
        protocol    = "HTTPS"
        status_code = "HTTP_301"
      }
    }
  }
}

resource "aws_lb_listener" "https" {
  count = local.https ? 1 : 0

  load_balancer_arn = aws_lb.main.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.gateway.arn
  }
}
