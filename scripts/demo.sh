#!/usr/bin/env bash
# The main job: installs what is missing, builds (Release) the three executables, and runs the
# networked demo — a coordinator and one agent process per player on loopback — with live
# progress, the summary table and the run record's path.
#   scripts/demo.sh [extra `nashnet run` flags, e.g. --rounds 100000 --seeds 2 --out runs/demo]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target nashnet nashnet-coordinator nashnet-agent
exec build/release/bin/nashnet run examples/runs/demo.yaml "$@"
