#!/usr/bin/env bash
# Builds nashnet and runs every test: the Release build, then the AddressSanitizer+UBSan build.
#   scripts/test.sh            both builds (what CI runs)
#   scripts/test.sh release    just one preset (release | asan | debug)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(release asan)
for preset in "${presets[@]}"; do
  echo "=== ${preset}: configure, build, test ===" >&2
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$(nproc)"
  ctest --preset "$preset"
done
