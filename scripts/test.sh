#!/usr/bin/env bash
# Installs the test and docs dependencies into .venv and runs the whole suite with the linters
# and the docs build (mkdocs --strict: a broken link or a page missing from mkdocs.yml fails).
# Set RASD_TEST_POSTGRES_URL to run the storage and end-to-end tests on PostgreSQL too
# (.ci/run starts a throwaway server and sets it).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test,docs]'
.venv/bin/ruff check .
.venv/bin/ruff format --check --quiet . || { echo "ruff format: files need formatting"; exit 1; }
.venv/bin/mypy bot
SITE="$(mktemp -d)"
.venv/bin/mkdocs build --strict --site-dir "$SITE" || { rm -rf "$SITE"; echo "mkdocs: the docs do not build cleanly"; exit 1; }
rm -rf "$SITE"
# Two phases: every test not marked `alone`, spread over RASD_TEST_WORKERS processes (2 by
# default; 1 runs them in this process), then the `alone` ones, one at a time with nothing
# beside them: they time themselves or run processes, and a second worker's load would
# make their timing flaky. Exit status 5 ("no tests collected", when arguments select none
# of a phase) is not a failure.
WORKERS="${RASD_TEST_WORKERS:-2}"
PARALLEL=()
if [ "$WORKERS" -gt 1 ]; then
  PARALLEL=(-n "$WORKERS")
fi
phase() {
  local rc=0
  .venv/bin/python -m pytest "$@" || rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 5 ]; then
    exit "$rc"
  fi
}
phase "${PARALLEL[@]}" -m "not alone" "$@"
phase -m alone "$@"
