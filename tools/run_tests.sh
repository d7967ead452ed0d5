#!/usr/bin/env bash
# Copyright (c) mmgrasp contributors. All rights reserved.
# The README's test command: set up the environment (idempotent) and run the test suite.
#   bash tools/run_tests.sh [pytest args...]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/tools/install.sh"
cd "$ROOT"
exec "${MMGRASP_VENV:-$ROOT/.venv}/bin/python" -m pytest tests "$@"
