#!/bin/bash
# Run once by the PostgreSQL image on an empty data directory (/docker-entrypoint-initdb.d): one role and one
# database per service, each database owned by its role and closed to the others. The services never use the
# superuser. Passwords come from docker-compose.yml (TODO_DB_PASSWORD, CALENDAR_DB_PASSWORD,
# JOB_STATUS_DB_PASSWORD, EXPLORER_DB_PASSWORD; local defaults are the role names).
set -euo pipefail
create() { # role/database name, password
  psql -v ON_ERROR_STOP=1 -q --username "$POSTGRES_USER" --dbname postgres -v name="$1" -v password="$2" <<'SQL'
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name";
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
  echo "created role and database $1"
}
create todo "${TODO_DB_PASSWORD:-todo}"
create calendar "${CALENDAR_DB_PASSWORD:-calendar}"
create job_status "${JOB_STATUS_DB_PASSWORD:-job_status}"
create explorer "${EXPLORER_DB_PASSWORD:-explorer}"
