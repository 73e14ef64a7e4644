#!/usr/bin/env bash
# Builds nashnet and runs every test: the Release build, the AddressSanitizer+UBSan build, then the
# fuzz targets (fuzz preset: builds only fuzz_all; each target replays its seed corpus and fuzzes
# for 30 s, two at a time; fuzz/README.md).
#   scripts/test.sh            all three (what CI runs)
#   scripts/test.sh release    just one preset (release | asan | fuzz | debug)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(release asan fuzz)
for preset in "${presets[@]}"; do
  echo "=== ${preset}: configure, build, test ===" >&2
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$(nproc)"
  ctest --preset "$preset"
done
