#!/usr/bin/env bash
# Exports every subgraph's federated SDL to schema/subgraphs/ and composes
# schema/supergraph.graphql with Apollo's composer (pinned in composer/package-lock.json).
#
#   scripts/compose.sh           # regenerate both
#   scripts/compose.sh --check   # fail if the committed files are out of date
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d composer/node_modules/@apollo/composition ]; then
  (cd composer && npm ci --no-audit --no-fund --loglevel=error)
fi

if [ "${1:-}" = "--check" ]; then
  out=$(mktemp -d)
  cargo run --quiet -- export-schema --out "$out"
  diff -ru "$out" schema/subgraphs || { echo "schema/subgraphs is out of date: run scripts/compose.sh"; exit 1; }
  rm -rf "$out"
  node composer/compose.mjs --check
else
  cargo run --quiet -- export-schema --out schema/subgraphs
  node composer/compose.mjs
fi
