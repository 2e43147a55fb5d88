#!/usr/bin/env bash
# Sets everything up, then runs the demo hall (hallcall demo).
# On a desktop: the server, a kiosk, two counters with their clerks signed in and the hall
# display, in windows; close them all or press Ctrl-C to stop.
# With no screen (or with --headless): a simulated hall morning, written to a folder whose name
# it prints at the end (screenshots, printed tickets, announcements, the morning's figures).
# Extra arguments go to hallcall demo, e.g.  bash scripts/demo.sh --headless --seed 7
# bash scripts/demo.sh --screenshots docs/screenshots redraws every picture of the docs (docs/demo.md).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
exec .venv/bin/hallcall demo "$@"
