#!/bin/bash
# The S3 bucket the calendar service writes .ics files to (CALENDAR_BUCKET in docker-compose.yml).
set -euo pipefail
awslocal s3api head-bucket --bucket taskoverflow-calendars 2>/dev/null || awslocal s3 mb s3://taskoverflow-calendars
