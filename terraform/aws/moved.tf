# Resources that became instances of one for_each resource keep their state (no replacement on the next apply
# of an existing deployment). These blocks can go once every state has been applied with them.

moved {
  from = aws_cloudwatch_metric_alarm.alb_5xx["elb"]
  to   = aws_cloudwatch_metric_alarm.alarm["alb-elb-5xx"]
}
moved {
  from = aws_cloudwatch_metric_alarm.alb_5xx["target"]
  to   = aws_cloudwatch_metric_alarm.alarm["alb-target-5xx"]
}
moved {
  from = aws_cloudwatch_metric_alarm.unhealthy_targets
  to   = aws_cloudwatch_metric_alarm.alarm["gateway-unhealthy-targets"]
}
moved {
  from = aws_cloudwatch_metric_alarm.no_healthy_target
  to   = aws_cloudwatch_metric_alarm.alarm["gateway-no-healthy-target"]
}
moved {
  from = aws_cloudwatch_metric_alarm.db_cpu
  to   = aws_cloudwatch_metric_alarm.alarm["db-cpu"]
}
moved {
  from = aws_cloudwatch_metric_alarm.db_free_storage
  to   = aws_cloudwatch_metric_alarm.alarm["db-free-storage"]
}
moved {
  from = aws_subnet.public[0]
  to   = aws_subnet.subnet["public-0"]
}
moved {
  from = aws_route_table_association.public[0]
  to   = aws_route_table_association.subnet["public-0"]
}
moved {
  from = aws_subnet.public[1]
  to   = aws_subnet.subnet["public-1"]
}
moved {
  from = aws_route_table_association.public[1]
  to   = aws_route_table_association.subnet["public-1"]
}
moved {
  from = aws_subnet.public[2]
  to   = aws_subnet.subnet["public-2"]
}
moved {
  from = aws_route_table_association.public[2]
  to   = aws_route_table_association.subnet["public-2"]
}
moved {
  from = aws_route_table.public
  to   = aws_route_table.tier["public"]
}
moved {
  from = aws_subnet.private[0]
  to   = aws_subnet.subnet["private-0"]
}
moved {
  from = aws_route_table_association.private[0]
  to   = aws_route_table_association.subnet["private-0"]
}
moved {
  from = aws_subnet.private[1]
  to   = aws_subnet.subnet["private-1"]
}
moved {
  from = aws_route_table_association.private[1]
  to   = aws_route_table_association.subnet["private-1"]
}
moved {
  from = aws_subnet.private[2]
  to   = aws_subnet.subnet["private-2"]
}
moved {
  from = aws_route_table_association.private[2]
  to   = aws_route_table_association.subnet["private-2"]
}
moved {
  from = aws_route_table.private
  to   = aws_route_table.tier["private"]
}
moved {
  from = aws_route.public_internet
  to   = aws_route.default["public"]
}
moved {
  from = aws_route.private_nat
  to   = aws_route.default["private"]
}
moved {
  from = aws_s3_bucket_public_access_block.calendars
  to   = aws_s3_bucket_public_access_block.bucket["calendars"]
}
moved {
  from = aws_s3_bucket_public_access_block.logs[0]
  to   = aws_s3_bucket_public_access_block.bucket["logs"]
}
moved {
  from = aws_s3_bucket_ownership_controls.calendars
  to   = aws_s3_bucket_ownership_controls.bucket["calendars"]
}
moved {
  from = aws_s3_bucket_ownership_controls.logs[0]
  to   = aws_s3_bucket_ownership_controls.bucket["logs"]
}
moved {
  from = aws_s3_bucket_server_side_encryption_configuration.calendars
  to   = aws_s3_bucket_server_side_encryption_configuration.bucket["calendars"]
}
moved {
  from = aws_s3_bucket_server_side_encryption_configuration.logs[0]
  to   = aws_s3_bucket_server_side_encryption_configuration.bucket["logs"]
}
moved {
  from = aws_vpc_security_group_egress_rule.alb_to_gateway
  to   = aws_vpc_security_group_egress_rule.link["alb->gateway"]
}
moved {
  from = aws_vpc_security_group_ingress_rule.gateway_from_alb
  to   = aws_vpc_security_group_ingress_rule.link["alb->gateway"]
}
moved {
  from = aws_vpc_security_group_egress_rule.db_init_db
  to   = aws_vpc_security_group_egress_rule.link["db-init->db"]
}
moved {
  from = aws_vpc_security_group_ingress_rule.db_from_db_init
  to   = aws_vpc_security_group_ingress_rule.link["db-init->db"]
}
moved {
  from = aws_vpc_security_group_egress_rule.service_db["todo"]
  to   = aws_vpc_security_group_egress_rule.link["todo->db"]
}
moved {
  from = aws_vpc_security_group_ingress_rule.db["todo"]
  to   = aws_vpc_security_group_ingress_rule.link["todo->db"]
}
moved {
  from = aws_vpc_security_group_egress_rule.service_db["calendar"]
  to   = aws_vpc_security_group_egress_rule.link["calendar->db"]
}
moved {
  from = aws_vpc_security_group_ingress_rule.db["calendar"]
  to   = aws_vpc_security_group_ingress_rule.link["calendar->db"]
}
moved {
  from = aws_vpc_security_group_egress_rule.service_db["job-status"]
  to   = aws_vpc_security_group_egress_rule.link["job-status->db"]
}
moved {
  from = aws_vpc_security_group_ingress_rule.db["job-status"]
  to   = aws_vpc_security_group_ingress_rule.link["job-status->db"]
}
moved {
  from = aws_vpc_security_group_egress_rule.service_calls["gateway->todo"]
  to   = aws_vpc_security_group_egress_rule.link["gateway->todo"]
}
moved {
  from = aws_vpc_security_group_ingress_rule.service_calls["gateway->todo"]
  to   = aws_vpc_security_group_ingress_rule.link["gateway->todo"]
}
moved {
  from = aws_vpc_security_group_egress_rule.service_calls["gateway->job-status"]
  to   = aws_vpc_security_group_egress_rule.link["gateway->job-status"]
}
moved {
  from = aws_vpc_security_group_ingress_rule.service_calls["gateway->job-status"]
  to   = aws_vpc_security_group_ingress_rule.link["gateway->job-status"]
}
moved {
  from = aws_vpc_security_group_egress_rule.service_calls["calendar->todo"]
  to   = aws_vpc_security_group_egress_rule.link["calendar->todo"]
}
moved {
  from = aws_vpc_security_group_ingress_rule.service_calls["calendar->todo"]
  to   = aws_vpc_security_group_ingress_rule.link["calendar->todo"]
}
moved {
  from = aws_vpc_security_group_egress_rule.service_calls["job-status->todo"]
  to   = aws_vpc_security_group_egress_rule.link["job-status->todo"]
}
moved {
  from = aws_vpc_security_group_ingress_rule.service_calls["job-status->todo"]
  to   = aws_vpc_security_group_ingress_rule.link["job-status->todo"]
}
moved {
  from = aws_vpc_security_group_egress_rule.service_https["gateway"]
  to   = aws_vpc_security_group_egress_rule.https["gateway"]
}
moved {
  from = aws_vpc_security_group_egress_rule.service_https["todo"]
  to   = aws_vpc_security_group_egress_rule.https["todo"]
}
moved {
  from = aws_vpc_security_group_egress_rule.service_https["calendar"]
  to   = aws_vpc_security_group_egress_rule.https["calendar"]
}
moved {
  from = aws_vpc_security_group_egress_rule.service_https["job-status"]
  to   = aws_vpc_security_group_egress_rule.https["job-status"]
}
moved {
  from = aws_vpc_security_group_egress_rule.db_init_https
  to   = aws_vpc_security_group_egress_rule.https["db-init"]
}
