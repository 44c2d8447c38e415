#!/usr/bin/env bash
# Checks the deployed event backbone against packages/messaging/topology.json: the topic, each queue's
# visibility timeout, retention, long-poll wait, SSE, redrive (DLQ and maxReceiveCount), queue policy, each DLQ's
# retention and SSE, each subscription's raw delivery, filter policy scope and filter policy, and no stray
# subscriptions. Uses the aws CLI with the usual credentials and AWS_REGION (default us-east-1).
#
#   terraform/aws/check-topology.sh                                   # the real account
#   terraform/aws/check-topology.sh --endpoint-url http://127.0.0.1:4566   # an emulator (moto)
#
# Terraform already reads every value from that document, so its configuration cannot drift; this checks what
# the account actually holds (a console edit, a failed apply, an emulator's or provider's behaviour).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [[ "${1:-}" == "--endpoint-url" ]]; then
  export CHECK_ENDPOINT_URL="${2:?--endpoint-url needs a URL}"
fi
exec node "$here/check-topology.mjs"
