#!/usr/bin/env bash
# The main job: installs what is missing, builds (Release), and runs a demo with a summary table.
#   scripts/demo.sh [extra `nashnet simulate` flags]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target nashnet
exec build/release/bin/nashnet simulate examples/runs/demo.yaml "$@"
