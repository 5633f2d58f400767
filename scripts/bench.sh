#!/usr/bin/env bash
# Benchmarks scalekit-auth against the alternatives on this machine, in one run, and
# writes target/bench/results.md and results.json (see bench/report.mjs):
#   - token validation: the Rust core against bare jsonwebtoken and the raw RSA-2048
#     verification rate (criterion), Python against PyJWT and scalekit-sdk-python, Node
#     against jose and @scalekit-sdk/node; one token presented again and distinct tokens;
#   - framework throughput with wrk over loopback: axum, FastAPI (uvicorn, one worker),
#     Express and Next.js (`next start`), each unprotected, with a scalekit-auth session
#     cookie, with a bearer token, and the official SDK's way; express-openid-connect;
#   - memory: RSS after validating a million distinct tokens (BENCH_MEMORY_TOKENS).
# Servers run on core 0, load generators and validation loops on core 1. The peers are
# installed in target/bench/peers (pip, npm), wrk from Debian; nothing outside loopback
# is contacted but the package registries. Takes about 12 minutes after the builds.
#
# Environment: SCALEKIT_PROFILE (release; `dist` for the published thin-LTO builds),
# BENCH_ONLY (comma-separated parts: rust,python,node,frameworks,memory),
# BENCH_MEMORY_TOKENS (1000000).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
source scripts/lib/common.sh

out=$root/target/bench
peers=$out/peers
only=${BENCH_ONLY:-rust,python,node,frameworks,memory}
wants() { [[ ",$only," == *",$1,"* ]]; }
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
profile=${SCALEKIT_PROFILE:-release}
host=$(host_triple)
mkdir -p "$out" "$peers/node"
step() { printf '\n== %s (%ds)\n' "$*" "$SECONDS"; }
pinned() { taskset -c 1 "$@"; }

step "Packages ($profile)"
scripts/package.sh python node axum

step "wrk and the peers (target/bench/peers)"
if ! command -v wrk >/dev/null; then
  [ "$(id -u)" = 0 ] && sudo= || sudo=sudo
  $sudo apt-get update -qq && $sudo apt-get install -y -qq wrk >/dev/null
fi
[ -x "$peers/py/bin/python" ] || python3 -m venv "$peers/py"
"$peers/py/bin/python" -m pip install --quiet --disable-pip-version-check \
  "pyjwt[crypto]==2.*" "scalekit-sdk-python==2.*" "fastapi==0.*" "uvicorn[standard]==0.*"
"$peers/py/bin/python" -m pip install --quiet --force-reinstall --no-deps "$root"/dist/scalekit_auth-*.whl
node_tarballs=("$root"/dist/scalekit-auth-[0-9]*.tgz "$root"/dist/scalekit-auth-linux-*.tgz)
if ! up_to_date "$peers/node/.installed" bench/apps/express-app.cjs "${node_tarballs[@]}"; then
  [ -f "$peers/node/package.json" ] || echo '{"private":true}' >"$peers/node/package.json"
  rm -rf "$peers/node/node_modules/scalekit-auth" "$peers/node/node_modules/scalekit-auth-linux-"*
  npm install --prefix "$peers/node" --no-audit --no-fund --loglevel=error \
    "jose@6" "@scalekit-sdk/node@2" "express@5" "express-openid-connect@3" "${node_tarballs[@]}"
  record "$peers/node/.installed" bench/apps/express-app.cjs "${node_tarballs[@]}"
fi

if wants rust; then
  step "Rust: validation (criterion)"
  cargo bench -p scalekit-auth --bench validate --no-run --quiet
  pinned cargo bench -p scalekit-auth --bench validate --quiet -- --warm-up-time 2 --measurement-time 5 --noplot \
    | grep -E '^validate_rs256|time:'
fi
if wants python; then
  step "Python: validation"
  pinned "$peers/py/bin/python" bindings-python/bench/validate.py --json "$out/python.json"
fi
if wants node; then
  step "Node: validation"
  (cd bindings-node && BENCH_PEERS=$peers/node pinned node bench/validate.mjs --json "$out/node.json")
fi
if wants frameworks; then
  step "Next.js app (target/bench/nextjs)"
  next_app=$out/nextjs
  next_version=$(node -p "require('./examples/nextjs/package.json').dependencies.next")
  if ! up_to_date "$next_app/.installed" $(find bench/apps/nextjs -type f | sort) "${node_tarballs[@]}"; then
    rm -rf "$next_app/app" "$next_app/lib" "$next_app/.next"
    mkdir -p "$next_app"
    cp -r bench/apps/nextjs/. "$next_app/"
    rm -rf "$next_app/node_modules/scalekit-auth" "$next_app/node_modules/scalekit-auth-linux-"*
    npm install --prefix "$next_app" --no-audit --no-fund --loglevel=error \
      "next@$next_version" "react@19" "react-dom@19" "@scalekit-sdk/node@2" "${node_tarballs[@]}"
    (cd "$next_app" && NEXT_TELEMETRY_DISABLED=1 npx next build >/dev/null)
    record "$next_app/.installed" $(find bench/apps/nextjs -type f | sort) "${node_tarballs[@]}"
  fi
  step "Framework throughput (wrk)"
  node bench/frameworks.mjs --peers "$peers/node" --python "$peers/py/bin/python" \
    --axum "$CARGO_TARGET_DIR/$host/$profile/bench-server" --nextjs "$next_app" --json "$out/frameworks.json"
fi
if wants memory; then
  step "Memory"
  tokens=${BENCH_MEMORY_TOKENS:-1000000}
  pinned node --expose-gc bench/memory.mjs --tokens "$tokens" --json "$out/memory-node.json"
  pinned "$peers/py/bin/python" bench/memory.py --tokens "$tokens" --json "$out/memory-python.json"
fi

step "Report"
node bench/report.mjs "$out" >/dev/null
echo "wrote $out/results.md and results.json (${SECONDS}s)"
