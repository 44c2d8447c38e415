#!/bin/bash
# LocalStack's init-hook life cycle around moto server: ready.d when the endpoint answers, shutdown.d on SIGTERM.
set -uo pipefail
STATE="${STANDIN_INIT_STATE:-/tmp/localstack-init.json}"
export STANDIN_INIT_STATE="$STATE"
rm -f "$STATE"

python3 /opt/aws-standin/server.py &
server=$!

run_stage() { # $1 = stage name as LocalStack reports it, $2 = folder; records one entry per script
  local stage="$1" dir="/etc/localstack/init/$2" entries="" f state
  for f in $(ls "$dir"/*.sh 2>/dev/null | sort); do
    if bash "$f" >&2; then state=SUCCESSFUL; else state=ERROR; echo "init script $f failed" >&2; fi
    entries="${entries:+$entries,}{\"stage\":\"$stage\",\"name\":\"$(basename "$f")\",\"state\":\"$state\"}"
  done
  printf '%s' "$entries"
}

stopping=0
shutdown() {
  stopping=1
  echo "stand-in: running shutdown hooks"
  run_stage SHUTDOWN shutdown.d >/dev/null
  kill -TERM "$server" 2>/dev/null
  wait "$server" 2>/dev/null
  exit 0
}
trap shutdown TERM INT

until python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:4566/moto-api/')" 2>/dev/null; do
  kill -0 "$server" 2>/dev/null || { echo "moto server exited" >&2; exit 1; }
  sleep 0.2
done
echo "stand-in: moto server up; running ready hooks"
ready="$(run_stage READY ready.d)"
printf '{"completed":true,"scripts":[%s]}' "$ready" > "$STATE.tmp" && mv "$STATE.tmp" "$STATE"
echo "stand-in: Ready."
while [ "$stopping" = 0 ]; do
  wait "$server"
  code=$?
  # wait returns early when a trapped signal arrives; the trap then exits. Otherwise the server died.
  kill -0 "$server" 2>/dev/null || exit "$code"
done
