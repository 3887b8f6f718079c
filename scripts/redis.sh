#!/usr/bin/env bash
# Starts a throwaway Redis on 127.0.0.1 for the tests (installing redis-server with apt
# when missing) and prints its URL. Idempotent: a server already running there is reused.
#
#   url=$(scripts/redis.sh)     # start (or reuse) and print the URL
#   scripts/redis.sh stop
set -euo pipefail

port="${CHAOS_TEST_REDIS_PORT:-56379}"
dir="${CHAOS_TEST_REDIS_DIR:-/tmp/chaos-test-redis}"
url="redis://127.0.0.1:${port}/"

if [ "${1:-start}" = stop ]; then
  command -v redis-cli >/dev/null && redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  exit 0
fi

if ! command -v redis-server >/dev/null; then
  echo "installing redis-server with apt…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq redis-server >&2
fi

if redis-cli -p "$port" ping 2>/dev/null | grep -q PONG; then
  echo "$url"
  exit 0
fi

mkdir -p "$dir"
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
  --daemonize yes --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >&2
for _ in $(seq 1 50); do
  redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && { echo "$url"; exit 0; }
  sleep 0.1
done
echo "redis did not start; see $dir/redis.log" >&2
exit 1
