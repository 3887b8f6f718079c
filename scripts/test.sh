#!/usr/bin/env bash
# The one test command: formatting and lints, every unit and end-to-end test on the
# embedded default (SQLite, in-process bus and fan-out), then the engine-backed tests
# again on real PostgreSQL, Redis, a Kafka-protocol broker and a MongoDB-protocol server
# that this script starts on 127.0.0.1 (PostgreSQL and Redis installed with apt when
# missing, the Tansu broker fetched and checksum-verified, SecantusDB from PyPI in a
# venv; see scripts/{postgres,redis,kafka,mongo}.sh). The deployment artefacts are
# validated offline on the way (scripts/validate-manifests.sh). The GraphiQL page is
# tested in Debian's Chromium (installed with apt when missing).
#
# Builds use the release profile only (the same artifacts `cargo run --release` uses)
# in a target directory outside the clone, so repeated runs are fast.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/chaos-target}"

step() { printf '\n==> %s\n' "$*"; }

# cargo-nextest (one process per test, per-test timings) when installed, else cargo test.
have_nextest() { cargo nextest --version >/dev/null 2>&1; }

run_tests() {
  if have_nextest; then
    cargo nextest run --release --no-tests=pass "$@"
  else
    cargo test --release "$@"
  fi
}

# The engine passes rerun parts of the suite: with nextest, selected by a filterset out of
# the SQLite pass's workspace build, so nothing compiles again (`-p` would resolve
# features for those packages alone and rebuild them); `cargo test` takes the package
# arguments after the filterset instead.
run_selected() {
  local filter=$1
  shift
  if have_nextest; then
    cargo nextest run --release --no-tests=pass --workspace --all-targets -E "$filter"
  else
    cargo test --release "$@"
  fi
}

step "formatting"
cargo fmt --all --check

step "lints"
cargo clippy --release --workspace --all-targets -- -D warnings

step "fuzz smoke (router request path, bounded: seed corpus + mutations, 20 000 inputs or 60 s)"
# Built with the whole workspace and its tests, the artifacts the test steps below reuse
# (`cargo run -p chaos-fuzz` would resolve features for that crate alone and compile
# part of the router's dependencies a second time). A failing input is printed and
# written to fuzz/artifacts/request/. Deeper runs: `cargo +nightly fuzz run request`.
cargo build --release --workspace --all-targets
"$CARGO_TARGET_DIR/release/chaos-fuzz-smoke" --inputs 20000 --seconds 60

step "composer (Apollo composition, build-time only)"
if [ ! -d composer/node_modules/@apollo/composition ]; then
  (cd composer && npm ci --no-audit --no-fund --loglevel=error)
fi

step "browser tests (Debian's Chromium for the GraphiQL page test, playwright-core from npm)"
# The GraphiQL page itself is built by router/build.rs (npm ci in OUT_DIR, no step here).
if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
fi
if [ ! -d tests/browser/node_modules/playwright-core ]; then
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi

step "deployment manifests (deploy/k8s strictly against Kubernetes 1.30 and 1.37 schemas, docker-compose.yml against the Compose Specification)"
scripts/validate-manifests.sh --self-test
scripts/validate-manifests.sh deploy/k8s

step "all tests on SQLite"
run_tests --workspace --all-targets

step "real engines: PostgreSQL, Redis, Kafka protocol (Tansu), MongoDB protocol (SecantusDB)"
export CHAOS_TEST_POSTGRES_URL CHAOS_TEST_REDIS_URL CHAOS_TEST_KAFKA_BOOTSTRAP CHAOS_TEST_MONGODB_URL
CHAOS_TEST_POSTGRES_URL=$(scripts/postgres.sh)
scripts/postgres.sh clean
CHAOS_TEST_REDIS_URL=$(scripts/redis.sh)
CHAOS_TEST_KAFKA_BOOTSTRAP=$(scripts/kafka.sh)
CHAOS_TEST_MONGODB_URL=$(scripts/mongo.sh)
echo "PostgreSQL: $CHAOS_TEST_POSTGRES_URL  Redis: $CHAOS_TEST_REDIS_URL  Kafka: $CHAOS_TEST_KAFKA_BOOTSTRAP  MongoDB: $CHAOS_TEST_MONGODB_URL"

step "kit on the real engines (bus contract on Kafka, outbox on PostgreSQL, fan-out across Redis replicas, document store on MongoDB)"
run_selected 'package(subgraph-kit) & kind(lib)' -p subgraph-kit --lib

step "services on their engines: content and analytics on MongoDB; payment, matchmaking, live events, anticheat, users and chaos on PostgreSQL (+ Redis sanctions)"
run_selected 'package(content-subgraph) | package(analytics-subgraph) | package(payment-subgraph) | package(matchmaking-subgraph) | package(events-subgraph) | package(anticheat-subgraph) | package(users-subgraph) | package(chaos-subgraph)' \
  -p content-subgraph -p analytics-subgraph -p payment-subgraph -p matchmaking-subgraph -p events-subgraph -p anticheat-subgraph -p users-subgraph -p chaos-subgraph

step "router rate limits counted in Redis, shared between routers"
run_selected 'package(chaos-router) & kind(lib)' -p chaos-router --lib

step "end-to-end tests on the real engines (and one player action traced across them)"
run_selected 'package(chaos-supergraph) & (binary(e2e) | binary(traces))' --test e2e --test traces
scripts/postgres.sh clean

step "all tests passed"
