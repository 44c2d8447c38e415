#!/usr/bin/env bash
# A rehearsal of the whole module against moto server (no AWS account, no docker): starts moto on a free port,
# applies with every endpoint pointed at it and build_images=false, checks the event backbone against
# topology.json (check-topology.sh), then destroys and stops moto. Takes a few minutes (terraform's waiters are
# slow against moto). Needs python3 with moto[server], node, the aws CLI, openssl and terraform (terraform/tf.sh).
#
#   terraform/aws/rehearse-moto.sh               # apply, check, destroy
#   KEEP=1 terraform/aws/rehearse-moto.sh        # leave moto and the state up to look around; prints how to stop
#   terraform/aws/rehearse-moto.sh up DIR        # apply and check only; DIR keeps moto's pid, endpoint and state
#   terraform/aws/rehearse-moto.sh down DIR      # destroy what `up DIR` applied and stop its moto
#
# Variants (environment):
#   LAB_ROLE_NAME=LabRole   create that role in moto first (as AWS Academy Learner Lab has it) and apply with
#                           lab_role_name, so the module must create no IAM role or policy
#   EXTRAS=1                also an HTTPS listener (a self-signed certificate imported into ACM), ALB access
#                           logs, VPC flow logs and an alarm e-mail subscription
#
# What moto cannot do is turned off (and only here): calendar_autoscaling (aws_appautoscaling_target crashes the
# provider against moto), wait_for_steady_state (moto's services never report one), run_db_init (moto runs no
# containers), dlq_redrive_allow_policy (moto does not return it). The test tier (terraform/test/) runs this
# twice and checks much more; the state of a rehearsal lives in DIR (a temporary folder), never in terraform/aws.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tf="$here/../tf.sh"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION="${AWS_REGION:-us-east-1}"
export AWS_DEFAULT_REGION="$AWS_REGION" AWS_EC2_METADATA_DISABLED=true

up() {
  local work="$1"
  if [[ -f "$work/moto.pid" ]] && kill -0 "$(cat "$work/moto.pid")" 2>/dev/null; then
    echo "$work holds a rehearsal whose moto still runs: $0 down $work first" >&2
    exit 1
  fi
  mkdir -p "$work"
  local port endpoint
  port="${MOTO_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}"
  endpoint="http://127.0.0.1:$port"
  python3 -m moto.server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
  echo $! >"$work/moto.pid"
  echo "$endpoint" >"$work/endpoint"
  for _ in $(seq 100); do curl -sf "$endpoint/moto-api/" >/dev/null 2>&1 && break; sleep 0.2; done
  curl -sf "$endpoint/moto-api/" >/dev/null || { echo "moto did not start: $(cat "$work/moto.log")" >&2; exit 1; }

  local lab_role=null certificate=null alarm_email=null extras=false
  if [[ -n "${LAB_ROLE_NAME:-}" ]]; then
    aws --endpoint-url "$endpoint" iam create-role --role-name "$LAB_ROLE_NAME" --query Role.Arn --output text \
      --assume-role-policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
    lab_role="\"$LAB_ROLE_NAME\""
  fi
  if [[ "${EXTRAS:-}" == 1 ]]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=taskoverflow.example" \
      -keyout "$work/tls.key" -out "$work/tls.crt" 2>/dev/null
    certificate="\"$(aws --endpoint-url "$endpoint" acm import-certificate --certificate "fileb://$work/tls.crt" \
      --private-key "fileb://$work/tls.key" --query CertificateArn --output text)\""
    alarm_email='"operator@taskoverflow.example"'
    extras=true
  fi
  cat >"$work/moto.tfvars.json" <<JSON
{
  "region": "$AWS_REGION",
  "endpoint_overrides": {
    "acm": "$endpoint", "applicationautoscaling": "$endpoint", "cloudwatch": "$endpoint",
    "ec2": "$endpoint", "ecr": "$endpoint", "ecs": "$endpoint", "elbv2": "$endpoint", "iam": "$endpoint",
    "logs": "$endpoint", "rds": "$endpoint", "s3": "$endpoint", "secretsmanager": "$endpoint",
    "servicediscovery": "$endpoint", "sns": "$endpoint", "sqs": "$endpoint", "sts": "$endpoint"
  },
  "build_images": false,
  "image_tag": "rehearsal",
  "db_skip_final_snapshot": true,
  "secret_recovery_window_days": 0,
  "bucket_force_destroy": true,
  "ecr_force_delete": true,
  "dlq_redrive_allow_policy": false,
  "calendar_autoscaling": false,
  "wait_for_steady_state": false,
  "run_db_init": false,
  "lab_role_name": $lab_role,
  "certificate_arn": $certificate,
  "alarm_email": $alarm_email,
  "alb_access_logs": $extras,
  "vpc_flow_logs": $extras
}
JSON
  "$tf" -chdir="$here" init -input=false >/dev/null
  local start=$SECONDS
  "$tf" -chdir="$here" apply -auto-approve -input=false -state="$work/terraform.tfstate" -var-file="$work/moto.tfvars.json"
  echo "apply took $((SECONDS - start)) s"
  "$tf" -chdir="$here" output -state="$work/terraform.tfstate"
  "$here/check-topology.sh" --endpoint-url "$endpoint"
}

down() {
  local work="$1"
  local start=$SECONDS
  local status=0
  "$tf" -chdir="$here" destroy -auto-approve -input=false -state="$work/terraform.tfstate" \
    -var-file="$work/moto.tfvars.json" || status=$?
  echo "destroy took $((SECONDS - start)) s"
  if [[ -f "$work/moto.pid" ]]; then kill "$(cat "$work/moto.pid")" 2>/dev/null || true; fi
  return "$status"
}

case "${1:-}" in
  up) up "${2:?up needs a folder}" ;;
  down) down "${2:?down needs a folder}" ;;
  "")
    work="$(mktemp -d)"
    if [[ "${KEEP:-}" == 1 ]]; then
      trap 'echo "kept: moto pid $(cat "$work/moto.pid") on $(cat "$work/endpoint"), state $work/terraform.tfstate; stop with: $0 down $work"' EXIT
      up "$work"
    else
      trap 'kill "$(cat "$work/moto.pid" 2>/dev/null)" 2>/dev/null || true; rm -rf "$work"' EXIT
      up "$work"
      down "$work"
    fi
    ;;
  *)
    echo "usage: $0 [up DIR | down DIR]" >&2
    exit 2
    ;;
esac
