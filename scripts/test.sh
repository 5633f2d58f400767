#!/usr/bin/env bash
# The whole test suite: formatting, lints, and every test of the workspace.
# Installs nothing by hand-made state: everything it needs comes from the registries.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "rustfmt"
cargo fmt --all --check

step "clippy"
cargo clippy --workspace --all-targets --all-features -- -D warnings

step "core tests"
cargo test --workspace --all-features
