#!/usr/bin/env bash
# The one test command: formatting, every unit and end-to-end test on the embedded
# default (SQLite), then the end-to-end tests again on a real PostgreSQL that this
# script starts on 127.0.0.1 (installing it when missing).
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

step "end-to-end tests on PostgreSQL"
pg_url=$(scripts/postgres.sh)
echo "using $pg_url"
CHAOS_TEST_POSTGRES_URL="$pg_url" cargo test --release --test e2e

step "all tests passed"
