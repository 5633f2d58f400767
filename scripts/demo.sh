#!/usr/bin/env bash
# The demo: a local OpenID provider shaped like Scalekit and the example apps logging in
# against it. No Scalekit account needed. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

IDP_PORT=${IDP_PORT:-9400}
AXUM_PORT=${AXUM_PORT:-3000}
FASTAPI_PORT=${FASTAPI_PORT:-3001}
EXPRESS_PORT=${EXPRESS_PORT:-3002}
NEXTJS_PORT=${NEXTJS_PORT:-3003}
run="$root/target/demo"
mkdir -p "$run"

if [ ! -d tests/idp/node_modules/oidc-provider ]; then
  echo "Installing the local provider's packages..."
  npm ci --prefix tests/idp --no-audit --no-fund --loglevel=error
fi
echo "Building the axum example..."
cargo build --quiet -p scalekit-auth-example-axum
echo "Installing the Python package for the FastAPI example (first run builds the Rust core)..."
[ -x target/venv/bin/python ] || python3 -m venv target/venv
target/venv/bin/python -m pip install --quiet --upgrade pip
(cd examples/fastapi && "$root/target/venv/bin/python" -m pip install --quiet -r requirements.txt)
echo "Building the Node package for the Express example..."
npm ci --prefix bindings-node --no-audit --no-fund --loglevel=error
(cd bindings-node && npm run --silent build)
npm ci --prefix examples/express --no-audit --no-fund --loglevel=error
echo "Building the Next.js example..."
npm ci --prefix examples/nextjs --no-audit --no-fund --loglevel=error
(cd examples/nextjs && NEXT_TELEMETRY_DISABLED=1 npm run --silent build >/dev/null)

# One client for every example app, as one Scalekit environment would have.
export SCALEKIT_ENVIRONMENT_URL="http://127.0.0.1:$IDP_PORT"
export SCALEKIT_CLIENT_ID=skc_local_demo
export SCALEKIT_CLIENT_SECRET=local-demo-secret-change-me
SCALEKIT_SESSION_SECRET=$(node -e "process.stdout.write(require('crypto').randomBytes(48).toString('base64url'))")
export SCALEKIT_SESSION_SECRET

pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  IDP_RUN_DIR="$run" tests/idp/stop.sh
  echo "Demo stopped."
}
trap cleanup INT TERM EXIT

IDP_RUN_DIR="$run" IDP_PORT=$IDP_PORT \
  IDP_REDIRECT_URIS="http://localhost:$AXUM_PORT/auth/callback,http://localhost:$FASTAPI_PORT/auth/callback,http://localhost:$EXPRESS_PORT/auth/callback,http://localhost:$NEXTJS_PORT/auth/callback" \
  IDP_POST_LOGOUT_REDIRECT_URIS="http://localhost:$AXUM_PORT/,http://localhost:$FASTAPI_PORT/,http://localhost:$EXPRESS_PORT/,http://localhost:$NEXTJS_PORT/" \
  tests/idp/start.sh

SCALEKIT_REDIRECT_URI="http://localhost:$AXUM_PORT/auth/callback" \
  SCALEKIT_POST_LOGOUT_REDIRECT_URI="http://localhost:$AXUM_PORT/" \
  PORT=$AXUM_PORT "${CARGO_TARGET_DIR:-$root/target}/debug/scalekit-auth-example-axum" &
pids+=($!)

SCALEKIT_REDIRECT_URI="http://localhost:$FASTAPI_PORT/auth/callback" \
  SCALEKIT_POST_LOGOUT_REDIRECT_URI="http://localhost:$FASTAPI_PORT/" \
  PORT=$FASTAPI_PORT target/venv/bin/python examples/fastapi/app.py &
pids+=($!)

SCALEKIT_REDIRECT_URI="http://localhost:$EXPRESS_PORT/auth/callback" \
  SCALEKIT_POST_LOGOUT_REDIRECT_URI="http://localhost:$EXPRESS_PORT/" \
  PORT=$EXPRESS_PORT node examples/express/server.js &
pids+=($!)

(cd examples/nextjs && SCALEKIT_REDIRECT_URI="http://localhost:$NEXTJS_PORT/auth/callback" \
  SCALEKIT_POST_LOGOUT_REDIRECT_URI="http://localhost:$NEXTJS_PORT/" NEXT_TELEMETRY_DISABLED=1 \
  exec node_modules/.bin/next start -H 127.0.0.1 -p "$NEXTJS_PORT") &
pids+=($!)

sleep 2
cat <<MSG

  scalekit-auth demo is running.

  axum example       http://localhost:$AXUM_PORT
  FastAPI example    http://localhost:$FASTAPI_PORT
  Express example    http://localhost:$EXPRESS_PORT
  Next.js example    http://localhost:$NEXTJS_PORT
  local provider     http://127.0.0.1:$IDP_PORT  (Scalekit's paths: /oauth/authorize, /oauth/token, /keys, /oidc/logout)

  Open an app, click "Log in" and type any username:
    admin   -> role admin (can open /admin)
    viewer  -> role viewer
    anyone  -> role member
  Access tokens last ${IDP_ACCESS_TOKEN_TTL:-300} s and refresh transparently (IDP_ACCESS_TOKEN_TTL=10 to watch it).

  Press Ctrl-C to stop everything.
MSG
wait -n "${pids[@]}"
