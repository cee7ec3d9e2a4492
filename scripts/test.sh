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
.venv/bin/python -m pytest "$@"
