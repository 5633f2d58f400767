#!/usr/bin/env bash
# Builds the release artifacts into dist/, as they are published:
#   python  the abi3 wheel for this machine (manylinux-checked) and the sdist
#   node    the npm package, and this platform's binary package (scalekit-auth-linux-x64-gnu, ...)
#   crate   the crate, verified by building it from its packaged form
#   axum    the axum example's server (for the demo; not published)
# With no arguments it builds python, node and crate. Every Rust artifact comes from one
# target directory for the host triple and one profile (`release`; SCALEKIT_PROFILE=dist
# for the published builds' thin LTO), and workspace-hack/ gives them one set of
# dependency features, so the dependencies compile once and a later run only repackages.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
source scripts/lib/common.sh

parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(python node crate)
for part in "${parts[@]}"; do
  case $part in python | node | crate | axum) ;; *) die "unknown part '$part' (python, node, crate, axum)" ;; esac
done

host=$(host_triple)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
profile=${SCALEKIT_PROFILE:-release}
version=$(workspace_version)
dist=$root/dist
mkdir -p "$dist" "$CARGO_TARGET_DIR"
started=$SECONDS
count=${#parts[@]}
index=0
progress() {
  index=$((index + 1))
  printf '\n[%d/%d] %s  (%ds so far)\n' "$index" "$count" "$*" "$((SECONDS - started))"
}

build_python() {
  progress "Python wheel and sdist (maturin, $profile, $host)"
  local py
  py=$(tools_venv)
  rm -f "$dist"/scalekit_auth-*.whl "$dist"/scalekit_auth-*.tar.gz
  # --target: the same triple directory as the Node addon and the axum example, so they
  # share one build of the core.
  "$py" -m maturin build --profile "$profile" --target "$host" -m bindings-python/Cargo.toml --out "$dist"
  local wheel
  wheel=$(ls "$dist"/scalekit_auth-"$version"-*.whl)
  # The platform tag maturin chose must be one auditwheel agrees with: a manylinux wheel
  # links only the symbol versions that tag allows and bundles no outside library.
  if [[ $wheel == *manylinux* ]]; then
    local tag=${wheel##*-}
    tag=${tag%.whl}
    "$py" -m auditwheel show "$wheel" | tee "$CARGO_TARGET_DIR/auditwheel.txt"
    tr '\n' ' ' <"$CARGO_TARGET_DIR/auditwheel.txt" | tr -s ' ' |
      grep -q "is consistent with the following platform tag: \"$tag\"" ||
      die "auditwheel does not confirm the wheel's platform tag $tag"
  fi
  "$py" -m maturin sdist -m bindings-python/Cargo.toml --out "$dist"
}

build_node() {
  progress "npm packages (napi-rs, $profile, $host)"
  wait_for_node_tools
  # A binary left from a build for another target must not be packaged as this one.
  rm -f bindings-node/generated/scalekit-auth.*.node bindings-node/scalekit-auth.*.node
  local type_defs
  type_defs=$(ls "$CARGO_TARGET_DIR"/napi-rs/scalekit-auth-node-*/scalekit-auth-node 2>/dev/null | head -1 || true)
  napi_build() {
    (cd bindings-node && npx napi build --platform --profile "$profile" --target "$host" --output-dir generated --js native.js --dts native.d.ts)
  }
  napi_build
  # napi's CLI forces the first build into a fresh type-definition folder with a
  # NAPI_FORCE_BUILD_* variable that later builds leave unset, so cargo would rebuild the
  # addon once more on the next run: take that rebuild now, and the next run is a no-op.
  [ -n "$type_defs" ] || napi_build
  local addon platform
  addon=$(cd bindings-node/generated && ls scalekit-auth.*.node)
  platform=${addon#scalekit-auth.}
  platform=${platform%.node}
  [ -f "bindings-node/npm/$platform/package.json" ] ||
    die "no npm/$platform package for this machine: add its target to napi.targets and run npx napi create-npm-dirs"
  # The platform package holds only the binary (and the licenses), as napi pre-publish lays it out.
  cp "bindings-node/generated/$addon" LICENSE-MIT LICENSE-APACHE "bindings-node/npm/$platform/"
  rm -f "$dist"/scalekit-auth-*.tgz
  npm pack --silent --pack-destination "$dist" "./bindings-node/npm/$platform" >/dev/null
  local stage=$CARGO_TARGET_DIR/npm-stage/scalekit-auth
  node scripts/lib/stage-npm-package.mjs bindings-node "$stage"
  npm pack --silent --pack-destination "$dist" "$stage" >/dev/null
  ls -1 "$dist"/scalekit-auth-*.tgz
}

build_crate() {
  progress "Rust crate (cargo package, verified)"
  rm -f "$dist"/scalekit-auth-*.crate
  # --allow-dirty: a working tree's build; the release workflow packages a clean tag.
  cargo package -p scalekit-auth --allow-dirty --quiet
  cp "$CARGO_TARGET_DIR/package/scalekit-auth-$version.crate" "$dist/"
  echo "$dist/scalekit-auth-$version.crate"
}

build_axum() {
  progress "axum example ($profile, $host)"
  cargo build --profile "$profile" --target "$host" -p scalekit-auth-example-axum
}

# The napi CLI installs (network and disk) while the first Rust build runs.
node_tools=
if [[ " ${parts[*]} " == *" node "* ]]; then
  npm_ci_if_changed bindings-node >"$CARGO_TARGET_DIR/npm-ci-bindings-node.log" 2>&1 &
  node_tools=$!
fi
wait_for_node_tools() {
  wait "$node_tools" || { cat "$CARGO_TARGET_DIR/npm-ci-bindings-node.log" >&2; die "npm ci in bindings-node failed"; }
}

for part in "${parts[@]}"; do "build_$part"; done
printf '\nBuilt in %ds:\n' "$((SECONDS - started))"
ls -lh "$dist" | awk 'NR > 1 { print "  " $5 "\t" $9 }'
