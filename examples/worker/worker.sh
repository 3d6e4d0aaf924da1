#!/bin/sh
# A long-running worker that proves it is alive: one heartbeat after each batch. In pakyas.yaml
# the job says `every: 1m` with a short grace, so a worker that hangs or dies goes Missing.
set -u
: "${PAKYAS_SERVER:?}" "${PAKYAS_PING_KEY:?}"
while :; do
  if ./process-one-batch; then
    curl -fsS -m 5 --retry 2 -o /dev/null "$PAKYAS_SERVER/ping/$PAKYAS_PING_KEY/events-worker" || true
  else
    code=$?
    curl -fsS -m 5 --retry 2 -o /dev/null "$PAKYAS_SERVER/ping/$PAKYAS_PING_KEY/events-worker/$code" || true
  fi
  sleep 30
done
