#!/usr/bin/env bash
# Builds the documentation site into target/docs/ (MkDocs, strict: a broken link, a
# missing page, anchor or included file fails), after docs/check.py has checked the pages
# against the code. Installs MkDocs in target/docs-venv; no network once installed.
#   scripts/docs.sh          check and build
#   scripts/docs.sh serve    the same, then serve it on http://127.0.0.1:8000 while editing
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/docs-venv
if [ ! -x "$venv/bin/mkdocs" ] || ! cmp -s docs/requirements.txt "$venv/.requirements"; then
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r docs/requirements.txt
  cp docs/requirements.txt "$venv/.requirements"
fi
python3 docs/check.py
# (--quiet would also hide the warnings that strict mode counts)
if ! "$venv/bin/mkdocs" build --strict --clean >target/docs-build.log 2>&1; then
  grep -v '^INFO' target/docs-build.log >&2
  exit 1
fi
echo "documentation built: target/docs/index.html"
if [ "${1:-}" = serve ]; then
  exec "$venv/bin/mkdocs" serve --dev-addr 127.0.0.1:8000
fi
