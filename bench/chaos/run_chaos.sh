#!/usr/bin/env bash
# The long chaos run (bench/README.md, "Durability"): one 120,000-round game of 4 real agent
# processes through 110 agent SIGKILLs (restarted with their state files), 35 connection resets
# (`ss -K`, needs root), 3 coordinator SIGKILLs and 2 drains (each followed by a restart on the
# same records and port); its rounds.csv must equal `nashnet simulate`'s byte for byte.
#
#   bench/chaos/run_chaos.sh [BUILD_DIR]      # default build/release (built if needed)
#
# Prints the test's summary line (faults, resumes, seconds, equality) and its verdict.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-$root/build/release}"
if [ ! -x "$build/tests/service/nashnet_service_test" ]; then
  cmake --preset release >/dev/null
  cmake --build --preset release -j "$(nproc)" --target nashnet_service_test nashnet-coordinator \
    nashnet-agent nashnet
fi
NASHNET_CHAOS=long "$build/tests/service/nashnet_service_test" \
  --gtest_filter='Chaos.*' 2>&1 | grep -E '^chaos:|OK \]|FAILED|Failure' 
