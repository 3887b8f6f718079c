#!/usr/bin/env bash
# Starts a throwaway MongoDB-protocol server (SecantusDB, GPL-2.0, run as a separate
# process only: never link it into our binaries) on 127.0.0.1 for the tests and prints
# its URL. SecantusDB comes from PyPI (secantusdb==0.7.0b3) in a venv under
# $HOME/.cache/chaos-secantusdb, created when missing (python3-venv installed with apt
# when the venv module cannot create one); see ../shared/ENGINES.md. Data lives in
# memory. Idempotent: a server already listening there is reused.
#
#   url=$(scripts/mongo.sh)     # start (or reuse) and print the URL
#   scripts/mongo.sh restart   # a fresh, empty server (the test command, once a run)
#   scripts/mongo.sh stop
set -euo pipefail

port="${CHAOS_TEST_MONGODB_PORT:-57017}"
venv="${CHAOS_SECANTUSDB_VENV:-$HOME/.cache/chaos-secantusdb}"
dir="${CHAOS_TEST_MONGODB_DIR:-/tmp/chaos-test-mongodb}"
version="0.7.0b3"
url="mongodb://127.0.0.1:${port}/"

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

stop() {
  if [ -f "$dir/secantusd.pid" ]; then
    kill "$(cat "$dir/secantusd.pid")" 2>/dev/null || true
    rm -f "$dir/secantusd.pid"
    # It takes a second or two to let go of the port.
    for _ in $(seq 1 100); do
      listening || break
      sleep 0.1
    done
  fi
}

case "${1:-start}" in
  stop) stop; exit 0 ;;
  # An empty server: the test command starts each run without the data of earlier ones.
  restart) stop ;;
esac

if [ ! -x "$venv/bin/secantusd-py" ]; then
  if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    echo "installing python3-venv with apt…" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq python3-venv >&2
  fi
  echo "installing SecantusDB ${version} into $venv (takes ~30 s)…" >&2
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "secantusdb==${version}" >&2
fi

if listening; then
  echo "$url"
  exit 0
fi

mkdir -p "$dir"
nohup "$venv/bin/secantusd-py" --host 127.0.0.1 --port "$port" --storage-path :memory: \
  >"$dir/secantusd.log" 2>&1 &
echo $! >"$dir/secantusd.pid"
for _ in $(seq 1 300); do
  listening && { echo "$url"; exit 0; }
  sleep 0.1
done
echo "SecantusDB did not start; see $dir/secantusd.log" >&2
exit 1
