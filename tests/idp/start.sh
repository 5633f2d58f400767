#!/usr/bin/env bash
# Starts the local provider in the background and waits until discovery answers.
# Settings come from the environment (see server.mjs); IDP_RUN_DIR holds the pid and log
# (default tests/idp/.run). Stop it with tests/idp/stop.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
run=${IDP_RUN_DIR:-$here/.run}
port=${IDP_PORT:-9400}
mkdir -p "$run"

if [ ! -d "$here/node_modules/oidc-provider" ]; then
  npm ci --prefix "$here" --no-audit --no-fund --loglevel=error
fi
if [ -f "$run/idp.pid" ] && kill -0 "$(cat "$run/idp.pid")" 2>/dev/null; then
  echo "the local provider is already running (pid $(cat "$run/idp.pid")); run tests/idp/stop.sh first" >&2
  exit 1
fi

IDP_PORT=$port nohup node "$here/server.mjs" >"$run/idp.log" 2>&1 &
echo $! >"$run/idp.pid"

url="http://127.0.0.1:$port"
for _ in $(seq 1 150); do
  if node -e "fetch('$url/.well-known/openid-configuration').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"; then
    echo "local provider ready at $url (pid $(cat "$run/idp.pid"), log $run/idp.log)"
    exit 0
  fi
  if ! kill -0 "$(cat "$run/idp.pid")" 2>/dev/null; then
    echo "the local provider exited during start-up:" >&2
    cat "$run/idp.log" >&2
    rm -f "$run/idp.pid"
    exit 1
  fi
  sleep 0.2
done
echo "the local provider did not answer at $url within 30 s:" >&2
cat "$run/idp.log" >&2
"$here/stop.sh"
exit 1
