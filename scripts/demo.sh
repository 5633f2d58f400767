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
FLASK_PORT=${FLASK_PORT:-3004}
DJANGO_PORT=${DJANGO_PORT:-3005}
run="$root/target/demo"
mkdir -p "$run"

source scripts/lib/common.sh
# Installs that only download and unpack run while the Rust core compiles.
py=$(tools_venv)
npm_ci_if_changed tests/idp >"$run/npm-ci-idp.log" 2>&1 &
idp_deps=$!
# The Python examples' other requirements; scalekit-auth itself comes from dist/ below.
python_requirements=(examples/fastapi/requirements.txt examples/flask/requirements.txt examples/django/requirements.txt)
cat "${python_requirements[@]}" | grep -v '^scalekit-auth' |
  "$py" -m pip install --quiet -r /dev/stdin fastapi flask django djangorestframework \
  >"$run/pip-python.log" 2>&1 &
python_deps=$!
echo "Building the packages into dist/ (the first run compiles the Rust core once, a few minutes)..."
scripts/package.sh python node
wait "$idp_deps" || { cat "$run/npm-ci-idp.log" >&2; exit 1; }
wait "$python_deps" || { cat "$run/pip-python.log" >&2; exit 1; }

# Puts dist/'s packages into the examples as users install them, and builds the Next.js
# app when it or the package changed.
install_examples() {
  local wheels=(dist/scalekit_auth-*.whl) tarballs=(dist/scalekit-auth-*.tgz) next_sources
  if ! up_to_date target/venv/.demo-packages "${wheels[@]}" "${python_requirements[@]}"; then
    "$py" -m pip install --quiet --find-links dist "${python_requirements[@]/#/-r}"
    # Same version as the one installed before, new build: replace it.
    "$py" -m pip install --quiet --force-reinstall --no-deps "${wheels[@]}"
    record target/venv/.demo-packages "${wheels[@]}" "${python_requirements[@]}"
  fi
  npm_ci_if_changed examples/express "${tarballs[@]}"
  npm_ci_if_changed examples/nextjs "${tarballs[@]}"
  mapfile -t next_sources < <(find examples/nextjs -path '*/node_modules' -prune -o -path '*/.next' -prune -o -type f -print | sort)
  if ! up_to_date examples/nextjs/.next/.scalekit-auth-built "${next_sources[@]}" "${tarballs[@]}"; then
    (cd examples/nextjs && NEXT_TELEMETRY_DISABLED=1 npm run --silent build)
    record examples/nextjs/.next/.scalekit-auth-built "${next_sources[@]}" "${tarballs[@]}"
  fi
}
echo "Installing the packages into the examples and building the Next.js app (log: target/demo/examples.log)..."
install_examples >"$run/examples.log" 2>&1 &
examples_job=$!
scripts/package.sh axum
wait "$examples_job" || { cat "$run/examples.log" >&2; exit 1; }
host=$(host_triple)
axum_bin="${CARGO_TARGET_DIR:-$root/target}/$host/${SCALEKIT_PROFILE:-release}/scalekit-auth-example-axum"

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

# Every app's URL ending in $1, comma-separated, as the provider registers them.
app_urls() {
  local port urls=()
  for port in "$AXUM_PORT" "$FASTAPI_PORT" "$EXPRESS_PORT" "$NEXTJS_PORT" "$FLASK_PORT" "$DJANGO_PORT"; do
    urls+=("http://localhost:$port$1")
  done
  (IFS=,; echo "${urls[*]}")
}

IDP_RUN_DIR="$run" IDP_PORT=$IDP_PORT \
  IDP_REDIRECT_URIS="$(app_urls /auth/callback)" IDP_POST_LOGOUT_REDIRECT_URIS="$(app_urls /)" \
  tests/idp/start.sh

SCALEKIT_REDIRECT_URI="http://localhost:$AXUM_PORT/auth/callback" \
  SCALEKIT_POST_LOGOUT_REDIRECT_URI="http://localhost:$AXUM_PORT/" \
  PORT=$AXUM_PORT "$axum_bin" &
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

# The Flask and Django examples as they run in production: their Procfile's web: line.
for app in flask:$FLASK_PORT django:$DJANGO_PORT; do
  name=${app%%:*} port=${app##*:}
  web=$(sed -n 's/^web: *//p' "examples/$name/Procfile")
  (cd "examples/$name" && SCALEKIT_REDIRECT_URI="http://localhost:$port/auth/callback" \
    SCALEKIT_POST_LOGOUT_REDIRECT_URI="http://localhost:$port/" PORT=$port PATH="$root/target/venv/bin:$PATH" \
    exec sh -c "exec $web") &
  pids+=($!)
done

sleep 2
cat <<MSG

  scalekit-auth demo is running.

  axum example       http://localhost:$AXUM_PORT
  FastAPI example    http://localhost:$FASTAPI_PORT
  Express example    http://localhost:$EXPRESS_PORT
  Next.js example    http://localhost:$NEXTJS_PORT
  Flask example      http://localhost:$FLASK_PORT
  Django example     http://localhost:$DJANGO_PORT
  local provider     http://127.0.0.1:$IDP_PORT  (Scalekit's paths: /oauth/authorize, /oauth/token, /keys, /oidc/logout)

  Open an app, click "Log in" and type any username:
    admin   -> role admin (can open /admin)
    viewer  -> role viewer
    anyone  -> role member
  Access tokens last ${IDP_ACCESS_TOKEN_TTL:-300} s and refresh transparently (IDP_ACCESS_TOKEN_TTL=10 to watch it).

  Press Ctrl-C to stop everything.
MSG
wait -n "${pids[@]}"
