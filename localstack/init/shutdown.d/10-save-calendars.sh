#!/bin/bash
# Saves the calendar bucket into the localstack-data volume when the emulator stops (`docker compose down` or
# `stop`); ../ready.d/30-restore-calendars.sh puts it back at the next start.
set -euo pipefail
SAVED=/var/lib/localstack/taskoverflow/calendars
mkdir -p "$SAVED"
awslocal s3 sync --only-show-errors --delete s3://taskoverflow-calendars "$SAVED"
echo "saved $(find "$SAVED" -type f | wc -l) calendar file(s)"
