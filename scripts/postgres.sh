#!/usr/bin/env bash
# Starts a throwaway PostgreSQL on 127.0.0.1 for the tests (installing it with apt when
# missing) and prints its admin URL. Idempotent: a server already running there is reused.
#
#   url=$(scripts/postgres.sh)        # start (or reuse) and print the URL
#   scripts/postgres.sh clean         # a new, empty cluster (drops what earlier runs left)
#   scripts/postgres.sh stop
set -euo pipefail

port="${CHAOS_TEST_PG_PORT:-55432}"
dir="${CHAOS_TEST_PG_DIR:-/tmp/chaos-test-pg}"
url="postgres://postgres@127.0.0.1:${port}/postgres"

find_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

bin=$(find_bin)
if [ "${1:-start}" = stop ]; then
  [ -n "$bin" ] && [ -d "$dir" ] && as_postgres "$bin/pg_ctl" -D "$dir" -m fast stop >/dev/null 2>&1 || true
  exit 0
fi

if [ "${1:-start}" = clean ]; then
  # Every test creates its own databases and none drops them (a test cannot run async
  # cleanup when it panics); without this the cluster grows by gigabytes per run.
  # Dropping them one by one took minutes (each DROP DATABASE waits for a checkpoint,
  # and a run leaves ~1 000); the cluster is a throwaway, so start a new one instead.
  [ -n "$bin" ] && [ -d "$dir" ] && as_postgres "$bin/pg_ctl" -D "$dir" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  "$0" >/dev/null
  exit 0
fi

if [ -z "$bin" ]; then
  echo "installing PostgreSQL with apt…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  bin=$(find_bin)
fi

if "$bin/pg_isready" -h 127.0.0.1 -p "$port" -q 2>/dev/null; then
  echo "$url"
  exit 0
fi

if [ ! -f "$dir/PG_VERSION" ]; then
  rm -rf "$dir"
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
  as_postgres "$bin/initdb" -D "$dir" -U postgres --auth=trust >/dev/null
fi
as_postgres "$bin/pg_ctl" -D "$dir" -w -l "$dir/server.log" \
  -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c fsync=off -c max_connections=300" start >/dev/null
echo "$url"
