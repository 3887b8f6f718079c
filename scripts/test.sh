#!/usr/bin/env bash
# The one test command: formatting and lints, every unit and end-to-end test on the
# embedded default (SQLite, in-process fan-out), then the engine-backed tests again on
# real PostgreSQL and Redis that this script starts on 127.0.0.1 (installing them with
# apt when missing).
#
# Builds use the release profile only (the same artifacts `cargo run --release` uses)
# in a target directory outside the clone, so repeated runs are fast.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/chaos-target}"

step() { printf '\n==> %s\n' "$*"; }

step "formatting"
cargo fmt --all --check

step "lints"
cargo clippy --release --workspace --all-targets -- -D warnings

step "composer (Apollo composition, build-time only)"
if [ ! -d composer/node_modules/@apollo/composition ]; then
  (cd composer && npm ci --no-audit --no-fund --loglevel=error)
fi

step "all tests on SQLite"
cargo test --release --workspace --all-targets

step "real engines: PostgreSQL and Redis"
export CHAOS_TEST_POSTGRES_URL CHAOS_TEST_REDIS_URL
CHAOS_TEST_POSTGRES_URL=$(scripts/postgres.sh)
CHAOS_TEST_REDIS_URL=$(scripts/redis.sh)
echo "PostgreSQL: $CHAOS_TEST_POSTGRES_URL  Redis: $CHAOS_TEST_REDIS_URL"

step "Redis fan-out across replicas"
cargo test --release -p subgraph-kit --lib pubsub

step "end-to-end tests on PostgreSQL + Redis"
cargo test --release --test e2e

step "all tests passed"
