#!/usr/bin/env bash
# Sets everything up, then runs the linters and the whole test suite.
# Extra arguments go to pytest, e.g.  bash scripts/test.sh -k protocol
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
export QT_QPA_PLATFORM=offscreen
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/pytest "$@"  # not `python -m`: the tree is not on sys.path, so tests import what is installed
