#!/usr/bin/env bash
# The packages in dist/ as users install them (scripts/package.sh builds them):
#  1. the sdist builds on its own, outside the workspace (this part uses Rust);
#  2. on a PATH where cargo, rustc and every C compiler are stubs that record a call and
#     fail, a fresh venv installs the wheel and a fresh npm project the two tarballs, and
#     each validates a token from the local provider (SCALEKIT_E2E_IDP_URL); the FastAPI
#     example serves its login; tsc (node16 and bundler), attw and publint check the
#     npm package's types and layout; without its binary package the npm package says
#     what to install.
# Work files under target/packaging/.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
work=$root/target/packaging
here=$root/tests/packaging
source scripts/lib/common.sh
version=$(workspace_version)
: "${SCALEKIT_E2E_IDP_URL:?the local provider must be running (tests/idp/start.sh)}"
rm -rf "$work"
mkdir -p "$work"

echo "-- sdist: builds outside the workspace"
mkdir -p "$work/sdist"
tar xzf "$root/dist/scalekit_auth-$version.tar.gz" -C "$work/sdist"
python3 -m venv "$work/sdist/venv"
# One triple directory with scripts/package.sh: only the crates from the sdist recompile.
(cd "$work/sdist" && CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target} \
  CARGO_BUILD_TARGET=$(host_triple) \
  venv/bin/python -m pip install --quiet "$root/dist/scalekit_auth-$version.tar.gz")
"$work/sdist/venv/bin/python" -c "import scalekit_auth, sys; print('sdist build imports', scalekit_auth.__name__, 'from', scalekit_auth.__file__); sys.exit(0 if '$work' in scalekit_auth.__file__ else 1)"

echo "-- a machine without Rust or a C compiler"
mkdir -p "$work/no-compiler"
for tool in cargo rustc rustup cc gcc c++ g++ clang ld; do
  cat >"$work/no-compiler/$tool" <<STUB
#!/bin/sh
# pip asks \`rustc --version\` for its user agent: a probe, not a build.
[ "\$*" = --version ] && log=version-probes.log || log=compiler-calls.log
echo "$tool \$* (called by: \$(ps -o args= -p \$PPID))" >>"$work/\$log"
echo "$tool is not installed on this machine" >&2
exit 127
STUB
  chmod +x "$work/no-compiler/$tool"
done
PATH="$work/no-compiler:$(printf '%s' "$PATH" | tr ':' '\n' | grep -v -e '\.cargo/bin' -e rustup | paste -sd:)"
export PATH
unset CARGO_HOME RUSTUP_HOME CARGO_TARGET_DIR
[ "$(command -v cargo)" = "$work/no-compiler/cargo" ] && [ "$(command -v cc)" = "$work/no-compiler/cc" ] ||
  { echo "the compiler stubs do not shadow the real tools" >&2; exit 1; }

echo "-- Python: a fresh venv installs the wheel"
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --upgrade pip
# The wheel by path (never the sdist next to it, nor a release from the index);
# --only-binary: nothing else is built either.
wheel=$(ls "$root"/dist/scalekit_auth-"$version"-*.whl)
"$work/venv/bin/python" -m pip install --quiet --only-binary=:all: "scalekit-auth[fastapi] @ file://$wheel" \
  uvicorn httpx pytest
(cd "$work" && SCALEKIT_PACKAGING_VENV="$work/venv" "$work/venv/bin/python" -m pytest -q -p no:cacheprovider \
  "$here/test_wheel.py")

echo "-- npm: a fresh project installs the two tarballs"
app=$work/npm-app
mkdir -p "$app"
cp "$here"/tsconfig.*.json "$root/bindings-node/test/types/sample.ts" "$app/"
(cd "$app" && npm init -y >/dev/null &&
  npm install --no-audit --no-fund --loglevel=error "$root"/dist/scalekit-auth-*-"$version".tgz \
    "$root/dist/scalekit-auth-$version.tgz" express@5 typescript@5 @types/node@20 @types/express@5 \
    @arethetypeswrong/cli@0.18 publint@0.3 &&
  npx tsc -p tsconfig.node16.json && npx tsc -p tsconfig.bundler.json &&
  npx attw --profile node16 "$root/dist/scalekit-auth-$version.tgz" &&
  npx publint node_modules/scalekit-auth)
# The main package alone, as on a platform without a binary package.
mkdir -p "$work/npm-main-only"
(cd "$work/npm-main-only" && npm init -y >/dev/null &&
  npm install --no-audit --no-fund --loglevel=error --omit=optional "$root/dist/scalekit-auth-$version.tgz")
SCALEKIT_PACKAGING_APP=$app SCALEKIT_PACKAGING_MAIN_ONLY=$work/npm-main-only node --test "$here/npm_package.test.mjs"

if [ -s "$work/compiler-calls.log" ]; then
  echo "installing the packages called a compiler:" >&2
  cat "$work/compiler-calls.log" >&2
  exit 1
fi
echo "-- no compiler was called"
