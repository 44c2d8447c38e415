#!/bin/bash
# Calendars outlive `docker compose down`: the S3 objects saved by ../shutdown.d/10-save-calendars.sh into the
# localstack-data volume are put back when the emulator is ready (after 20-bucket.sh made the bucket).
# LocalStack's own PERSISTENCE is a paid feature; this works with the free image and with the stand-in.
set -euo pipefail
SAVED=/var/lib/localstack/taskoverflow/calendars
if [ -d "$SAVED" ] && [ -n "$(ls -A "$SAVED")" ]; then
  awslocal s3 sync --only-show-errors "$SAVED" s3://taskoverflow-calendars
  echo "restored $(find "$SAVED" -type f | wc -l) calendar file(s)"
fi
