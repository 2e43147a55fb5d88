#!/usr/bin/env bash
# Sets everything up, then runs the demo hall: the queue server with assets/demo-hall.toml in a
# fresh data folder, every clerk of the demo hall signed up with the password "demo1234", and a
# supervisor "supervisor" with the same password.  Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
data=$(mktemp -d -t hallcall-demo-XXXXXX)
config=assets/demo-hall.toml
hc=.venv/bin/hallcall
echo demo1234 | "$hc" admin --config "$config" --data "$data" seed-clerks --password-stdin
echo demo1234 | "$hc" admin --config "$config" --data "$data" add-clerk supervisor --supervisor --password-stdin
echo "data folder: $data"
echo "health: http://127.0.0.1:${PORT:-8765}/healthz   metrics: http://127.0.0.1:${PORT:-8765}/metrics"
exec "$hc" server --config "$config" --data "$data" --port "${PORT:-8765}" --ignore-hours
