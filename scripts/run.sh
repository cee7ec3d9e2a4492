#!/usr/bin/env bash
# Installs Rasd into .venv and starts the bot with config.toml (created from
# config.example.toml on the first run). Extra arguments go to `python -m bot run`,
# e.g. `scripts/run.sh --dry-run --query "الهجرة"`.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e .
exec .venv/bin/python -m bot run "$@"
