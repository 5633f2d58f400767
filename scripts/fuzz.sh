#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer through libfuzzer-sys) of token parsing and
# verification, session-cookie opening with chunk reassembly, webhook verification, and
# the login and callback query parsers, on the stable toolchain: the instrumentation
# flags are the ones cargo-fuzz passes, minus the sanitizer that needs a nightly compiler.
#
#   scripts/fuzz.sh            # a 20-second smoke run per target (the test command's)
#   scripts/fuzz.sh 3600       # an hour per target
#   scripts/fuzz.sh 600 token  # one target
#
# Corpora grow in target/fuzz/corpus/<target>; a crash leaves its input in
# target/fuzz/artifacts/<target>/ and fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh
seconds=${1:-20}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(token cookie webhook login)
triple=$(host_triple)
export CARGO_TARGET_DIR="$PWD/target/fuzz/build"
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cforce-frame-pointers"
# --target keeps the flags off build scripts and proc macros, as cargo-fuzz does.
cargo build --quiet --release --manifest-path fuzz/Cargo.toml --target "$triple" --bins
for target in "${targets[@]}"; do
  corpus="target/fuzz/corpus/$target" artifacts="target/fuzz/artifacts/$target/"
  mkdir -p "$corpus"
  rm -rf "$artifacts" && mkdir -p "$artifacts"
  # libFuzzer's closing lines, "Done N runs in S second(s)", give the executions.
  set +e
  "$CARGO_TARGET_DIR/$triple/release/$target" "$corpus" "fuzz/seeds/$target" \
    -max_total_time="$seconds" -max_len=8192 -print_final_stats=1 -artifact_prefix="$artifacts" \
    >"target/fuzz/$target.log" 2>&1
  status=$?
  set -e
  grep -E '^(Done|stat::number_of_executed_units|SUMMARY)|panicked|ERROR' "target/fuzz/$target.log" || true
  if [ "$status" -ne 0 ] || [ -n "$(ls -A "$artifacts")" ]; then
    tail -40 "target/fuzz/$target.log" >&2
    echo "fuzz target $target failed (exit $status); inputs: $(ls "$artifacts")" >&2
    exit 1
  fi
done
