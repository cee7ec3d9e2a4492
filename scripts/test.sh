#!/usr/bin/env bash
# Installs the test dependencies into .venv and runs the whole suite with the linters.
# Set RASD_TEST_POSTGRES_URL to run the storage and end-to-end tests on PostgreSQL too
# (.ci/run starts a throwaway server and sets it).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
.venv/bin/ruff check .
.venv/bin/ruff format --check --quiet . || { echo "ruff format: files need formatting"; exit 1; }
.venv/bin/mypy bot
.venv/bin/python -m pytest "$@"
