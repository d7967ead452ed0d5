#!/usr/bin/env bash
# Copyright (c) mmgrasp contributors. All rights reserved.
# The README's test command: set up the environment (idempotent), lint, and run the test suite.
#   bash tools/run_tests.sh [pytest args...]
# Lint is mmdet's pre-commit pair, configured in setup.cfg: flake8 (pycodestyle + pyflakes) and
# isort; MMGRASP_SKIP_LINT=1 skips it.
# The tests run in MMGRASP_TEST_WORKERS pytest-xdist workers (default 2, one per core of the CI
# machine; each uses one thread, tests/conftest.py), a test file's tests in the same worker so its
# module fixtures are built once; MMGRASP_TEST_WORKERS=0 runs them in this process.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/tools/install.sh"
cd "$ROOT"
PY="${MMGRASP_VENV:-$ROOT/.venv}/bin/python"
if [[ "${MMGRASP_SKIP_LINT:-0}" != 1 ]]; then
  echo "[mmgrasp tests] lint: flake8 and isort (setup.cfg)" >&2
  "$PY" -m flake8 .
  "$PY" -m isort --check-only --diff .
fi
WORKERS="${MMGRASP_TEST_WORKERS:-2}"
if [[ "$WORKERS" == 0 ]]; then
  exec "$PY" -m pytest tests "$@"
fi
exec "$PY" -m pytest tests -n "$WORKERS" --dist loadfile "$@"
