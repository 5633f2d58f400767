#!/usr/bin/env bash
# The whole test suite: formatting, lints, every Rust test, and the end-to-end tests
# against the local OpenID provider (started here, stopped on exit). Installs what it
# needs itself (npm packages of tests/idp); needs cargo and node on the PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

step() { printf '\n== %s\n' "$*"; }
log="$root/target/test-suite.log"
mkdir -p target
: >"$log"
# Runs a test command, keeping its output for the summary line at the end.
run_tests() { "$@" 2>&1 | tee -a "$log"; }

step "rustfmt"
cargo fmt --all --check
rustfmt --check --edition 2024 --config-path rustfmt.toml fuzz/fuzz_targets/*.rs

step "clippy"
cargo clippy --workspace --all-targets --all-features -- -D warnings

step "Layout (no import circle between modules, no core file over 450 lines)"
python3 scripts/lib/module_cycles.py core/src bindings-python/src bindings-node/src
long=$(find core/src -name '*.rs' -exec wc -l {} + | awk '$2 != "total" && $1 > 450')
[ -z "$long" ] || { echo "core files over 450 lines (split them, or move a long test module into tests.rs beside the file):" >&2; echo "$long" >&2; exit 1; }

step "Documentation (scripts/docs.sh: pages checked against the code, strict MkDocs build)"
scripts/docs.sh

step "Packages (scripts/package.sh: wheel, sdist, npm tarballs, crate into dist/)"
# One release build of the core serves the wheel, the Node addon and every test below.
scripts/package.sh python node crate

step "local OpenID provider"
source scripts/lib/common.sh
npm_ci_if_changed tests/idp
export IDP_RUN_DIR="$root/target/idp-test"
export IDP_PORT=9411 IDP_TEST_MODE=1 IDP_ACCESS_TOKEN_TTL=300
export SCALEKIT_CLIENT_ID=skc_test_suite SCALEKIT_CLIENT_SECRET=test-suite-secret
export IDP_REDIRECT_URIS=http://127.0.0.1:7999/callback IDP_POST_LOGOUT_REDIRECT_URIS=http://127.0.0.1:7999/
trap 'tests/idp/stop.sh' EXIT
tests/idp/start.sh
export SCALEKIT_E2E_IDP_URL="http://127.0.0.1:$IDP_PORT"

step "Rust tests (core, end-to-end, axum example)"
# The shared-store tests start their own redis-server processes on loopback.
apt_install_if_missing redis-server redis-server
# The workspace's default members: every crate but the bindings, which are built and
# tested through maturin and napi below.
run_tests cargo test --all-features

step "Fuzzing: a short run per target (scripts/fuzz.sh SECONDS for a long one)"
scripts/fuzz.sh "${FUZZ_SECONDS:-15}"

step "Python package (build, tests, types)"
if [ ! -x target/venv/bin/python ]; then
  python3 -m venv target/venv
fi
py=target/venv/bin/python
"$py" -m pip install --quiet --upgrade pip
"$py" -m pip install --quiet pytest fastapi httpx mypy uvicorn "pyjwt[crypto]" pyyaml "mcp==2.3.0" \
  "flask>=3.1,<4" "django>=5.2,<6" "djangorestframework>=3.15" "gunicorn>=23" django-stubs djangorestframework-stubs
"$py" -m pip install --quiet --force-reinstall --no-deps dist/scalekit_auth-*.whl
run_tests "$py" -m pytest bindings-python/tests -q -p no:cacheprovider -W ignore::DeprecationWarning
# The Django modules' examples need configured settings: tests/test_django.py runs them.
run_tests "$py" -m pytest -q -p no:cacheprovider --doctest-modules --pyargs scalekit_auth \
  --ignore-glob='*/scalekit_auth/django/*'
# The FastAPI and MCP examples' own tests, as their developers would run them.
(cd examples/fastapi && run_tests "../../$py" -m pytest -q -p no:cacheprovider -W ignore::DeprecationWarning test_app.py)
(cd examples/mcp-python && run_tests "../../$py" -m pytest -q -p no:cacheprovider -W ignore::DeprecationWarning test_app.py)
(cd examples/flask && run_tests "../../$py" -m pytest -q -p no:cacheprovider test_app.py)
(cd examples/django && run_tests "../../$py" manage.py test --verbosity 2 exampleapp)
"$py" -m mypy --strict --cache-dir target/mypy-cache bindings-python/tests/typing/sample_app.py
(cd bindings-python/python && "../../$py" -m mypy --strict --cache-dir ../../target/mypy-cache -p scalekit_auth)
(cd examples/flask && "../../$py" -m mypy --strict --cache-dir ../../target/mypy-cache app.py test_app.py)
(cd examples/django && "../../$py" -m mypy --strict --cache-dir ../../target/mypy-cache exampleapp manage.py)
"$py" -m mypy.stubtest --mypy-config-file bindings-python/pyproject.toml scalekit_auth._native

step "Node package (build, tests, types)"
# scripts/package.sh built the addon (bindings-node/generated/*.node) and regenerated its loader and types.
if ! git diff --quiet -- bindings-node/generated/; then
  git diff --stat -- bindings-node/generated/
  echo "The generated bindings changed with this build: commit bindings-node/generated/ (native.d.ts and native.js)." >&2
  exit 1
fi
npm ci --prefix examples/express --no-audit --no-fund --loglevel=error
npm ci --prefix examples/nextjs --no-audit --no-fund --loglevel=error
npm ci --prefix examples/mcp-node --no-audit --no-fund --loglevel=error
(cd examples/nextjs && NEXT_TELEMETRY_DISABLED=1 npm run --silent build)
run_tests node --test bindings-node/test/
# The Express example's own tests (supertest), as its developers would run them.
run_tests npm test --prefix examples/express --silent
# The Next.js example's own tests (its proxy, with test sessions).
run_tests npm test --prefix examples/nextjs --silent
(cd bindings-node && npx tsc -p test/types/tsconfig.json)

step "Benchmark scripts (a short run that keeps them working; scripts/bench.sh measures)"
smoke=target/bench-smoke
mkdir -p "$smoke"
"$py" bindings-python/bench/validate.py --runs 1 --seconds 0.05 --json "$smoke/python.json"
(cd bindings-node && node bench/validate.mjs --runs 1 --seconds 0.05 --json "../$smoke/node.json")
node --expose-gc bench/memory.mjs --tokens 2000 --json "$smoke/memory-node.json"
"$py" bench/memory.py --tokens 2000 --json "$smoke/memory-python.json"
node bench/report.mjs "$smoke" >/dev/null

step "Packages as users install them (tests/packaging: no Rust, no C compiler)"
run_tests "$py" -m pytest -q -p no:cacheprovider tests/packaging/test_release_workflow.py tests/packaging/test_shared_build.py
run_tests tests/packaging/run.sh

step "Browser tests (Chromium, every example)"
# Playwright (playwright-core, no browser download) drives Debian's Chromium through each
# example's login, token refresh, roles and logout; screenshots in target/browser/.
apt_install_if_missing chromium chromium
npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
SCALEKIT_BROWSER_REQUIRE_ALL=1 run_tests node --test tests/browser/

# One closing line for the whole suite, from every runner's own counts.
python3 - "$log" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
passed = failed = 0
for p, f in re.findall(r"test result: \w+\. (\d+) passed; (\d+) failed", text):
    passed, failed = passed + int(p), failed + int(f)
# node --test's closing lines: "# pass 21", "# fail 0"
for kind, count in re.findall(r"^# (pass|fail) (\d+)$", text, re.M):
    if kind == "pass":
        passed += int(count)
    else:
        failed += int(count)
# pytest's closing lines: "92 passed, 1 warning in 6.06s", "1 failed, 91 passed in 3.1s"
for line in re.findall(r"^(?:=+ )?(\d+ (?:passed|failed).*) in [\d.]+s", text, re.M):
    for count, kind in re.findall(r"(\d+) (passed|failed)", line):
        if kind == "passed":
            passed += int(count)
        else:
            failed += int(count)
# unittest's (Django's test runner): "Ran 3 tests in 0.046s", then "OK" or "FAILED (failures=1, errors=2)"
for ran, verdict in re.findall(r"^Ran (\d+) tests? in [\d.]+s\n\n(OK|FAILED \([^)]*\))", text, re.M):
    bad = sum(int(n) for n in re.findall(r"(?:failures|errors)=(\d+)", verdict))
    passed, failed = passed + int(ran) - bad, failed + bad
print(f"\nsuite: {passed} passed, {failed} failed")
sys.exit(1 if failed or passed == 0 else 0)
PY
