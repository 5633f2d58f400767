#!/usr/bin/env bash
# Stops the provider started by tests/idp/start.sh, waiting until it has exited.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
run=${IDP_RUN_DIR:-$here/.run}
[ -f "$run/idp.pid" ] || exit 0
pid=$(cat "$run/idp.pid")
if kill -0 "$pid" 2>/dev/null; then
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
fi
rm -f "$run/idp.pid"
