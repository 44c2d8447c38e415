#!/usr/bin/env bash
# A rehearsal of the whole module against moto server (no AWS account, no docker): starts moto on a free port,
# applies with every endpoint pointed at it and build_images=false, checks the event backbone against
# topology.json (check-topology.sh), then destroys and stops moto. Takes a few minutes (terraform's waiters are
# slow against moto). Needs python3 with moto[server], node, the aws CLI and terraform (through terraform/tf.sh).
#
#   terraform/aws/rehearse-moto.sh            # apply, check, destroy
#   KEEP=1 terraform/aws/rehearse-moto.sh     # leave moto and the state up to look around; prints how to stop
#
# The state of the rehearsal lives in a temporary folder, never in terraform/aws.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tf="$here/../tf.sh"
work="$(mktemp -d)"
port="${MOTO_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}"
endpoint="http://127.0.0.1:$port"

python3 -m moto.server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
cleanup() {
  if [[ "${KEEP:-}" == 1 ]]; then
    echo "kept: moto pid $moto_pid on $endpoint, state $work/terraform.tfstate"
  else
    kill "$moto_pid" 2>/dev/null || true
    rm -rf "$work"
  fi
}
trap cleanup EXIT
for _ in $(seq 50); do curl -sf "$endpoint/moto-api/" >/dev/null 2>&1 && break; sleep 0.2; done

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION="${AWS_REGION:-us-east-1}"
export AWS_DEFAULT_REGION="$AWS_REGION" AWS_EC2_METADATA_DISABLED=true
cat >"$work/moto.tfvars.json" <<JSON
{
  "region": "$AWS_REGION",
  "endpoint_overrides": {
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
  "dlq_redrive_allow_policy": false
}
JSON
args=(-input=false -state="$work/terraform.tfstate" -var-file="$work/moto.tfvars.json")

"$tf" -chdir="$here" init -input=false >/dev/null
start=$SECONDS
"$tf" -chdir="$here" apply -auto-approve "${args[@]}"
echo "apply took $((SECONDS - start)) s"
"$tf" -chdir="$here" output -state="$work/terraform.tfstate"
"$here/check-topology.sh" --endpoint-url "$endpoint"
if [[ "${KEEP:-}" != 1 ]]; then
  start=$SECONDS
  "$tf" -chdir="$here" destroy -auto-approve "${args[@]}"
  echo "destroy took $((SECONDS - start)) s"
fi
