# Helpers shared by the scripts: stop with a message, and skip work whose inputs have
# not changed since it last ran (so a second demo run starts in seconds).
# Sourced from the repository root.

die() {
  echo "error: $*" >&2
  exit 1
}

# Prints one hash of the contents of the given files (missing files count as empty).
content_hash() {
  local file
  for file in "$@"; do
    printf '%s\n' "$file"
    [ -f "$file" ] && cat "$file"
  done | sha256sum | cut -d' ' -f1
}

# `up_to_date STAMP FILE...` succeeds when STAMP holds the hash of FILE...'s contents;
# `record STAMP FILE...` writes it.
up_to_date() {
  local stamp=$1
  shift
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(content_hash "$@")" ]
}
record() {
  local stamp=$1
  shift
  mkdir -p "$(dirname "$stamp")"
  content_hash "$@" >"$stamp"
}

# `npm ci` in DIR unless its node_modules was installed from the same lockfile and the
# same extra FILE... (the dist/ tarballs an example installs). The stamp lives inside
# node_modules, so removing node_modules forces a fresh install.
npm_ci_if_changed() {
  local dir=$1
  shift
  local stamp=$dir/node_modules/.scalekit-auth-installed
  up_to_date "$stamp" "$dir/package-lock.json" "$@" && return 0
  npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
  record "$stamp" "$dir/package-lock.json" "$@"
}

# Prints the Python of target/venv, created on first use with the build tools of
# scripts/lib/build-tools.txt (maturin, auditwheel).
tools_venv() {
  local venv=$PWD/target/venv
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv" >&2
  if ! up_to_date "$venv/.build-tools" scripts/lib/build-tools.txt; then
    "$venv/bin/python" -m pip install --quiet -r scripts/lib/build-tools.txt >&2
    record "$venv/.build-tools" scripts/lib/build-tools.txt
  fi
  echo "$venv/bin/python"
}

# The Rust target triple of this machine (the target directory every build shares).
host_triple() {
  rustc -vV | sed -n 's/^host: //p'
}

# The version of every package, from the workspace's Cargo.toml.
workspace_version() {
  sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1
}

# Installs a Debian package unless its program is already on the machine.
# Usage: apt_install_if_missing PROGRAM PACKAGE
apt_install_if_missing() {
  command -v "$1" >/dev/null 2>&1 && return 0
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2"; } ||
    die "$2 could not be installed (apt-get install $2); the tests need $1"
}
