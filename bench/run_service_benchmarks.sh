#!/usr/bin/env bash
# Builds the service benchmarks (Release) and runs them against the bare gRPC lockstep baseline,
# then prints the table of ratios (bench/load/service_bench.py; bench/README.md, "Service").
#
#   bench/run_service_benchmarks.sh          # 3 repetitions
#   bench/run_service_benchmarks.sh 5        # 5 repetitions
#   BUILD_DIR=build/bench3 ONLY=m3,m4 bench/run_service_benchmarks.sh
#   ONLY=m5,m6 bench/run_service_benchmarks.sh   # the metrics export's cost (README, "Metrics export")
#
# Environment: BUILD_DIR (default <repo>/build/bench), OUT_DIR (default
# $BUILD_DIR/bench-results/service-<UTC time>), ONLY (default m2,m3,m4; also m5 = one game with /
# without --metrics-listen, m6 = 500 games with / without it), M4_REPEATS (default 1),
# PAIRS (block pairs per m3/m4 trial, default 6), GAME / GAME_PARAMS (default matching_pennies;
# e.g. GAME=random_generic GAME_PARAMS="players=2 actions=10"), AA=1 (A/A calibration: the
# baseline against itself). Every figure it prints is a ratio against the baseline measured in
# the same run (or an RSS per agent); raw JSON stays in OUT_DIR.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build/bench}"
reps="${1:-3}"
out="${OUT_DIR:-$build/bench-results/service-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$out"

echo "== build (Release) in $build"
targets=(lockstep_server lockstep_client nashnet_load)
if ! cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DNASHNET_BUILD_TESTS=OFF \
  -DNASHNET_BUILD_BENCH=ON >"$out/cmake.log" 2>&1; then
  tail -n 30 "$out/cmake.log" >&2
  echo "configure failed (log in $out)" >&2
  exit 1
fi
if ! nice ninja -C "$build" -j2 "${targets[@]}" >"$out/build.log" 2>&1; then
  tail -n 30 "$out/build.log" >&2
  echo "build failed (log in $out)" >&2
  exit 1
fi
# The coordinator and the agent exist once their sources do (CMake globs them). If they do not
# build right now (someone mid-edit), say so and measure the binaries already there, if any.
for t in nashnet-coordinator nashnet-agent; do
  if ninja -C "$build" -t targets all 2>/dev/null | grep -q "^$t:"; then
    if ! nice ninja -C "$build" -j2 "$t" >>"$out/build.log" 2>&1; then
      echo "warning: $t did not build (log in $out/build.log); using $build/bin/$t if present" >&2
    fi
  fi
done

{
  echo "machine: nproc=$(nproc), CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "uptime: $(uptime)"
  echo "ulimit -n: $(ulimit -n)"
  echo "git: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')" \
    "(uncommitted changes: $(git -C "$root" status --porcelain 2>/dev/null | wc -l) files)"
} | tee "$out/machine.txt"

# 10,000 agents per server and two servers at once: make sure descriptors are not the limit
# (a few per channel, but records and sockets add up on the coordinator side).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

args=(--build "$build" --repeats "$reps" --out "$out" --only "${ONLY:-m2,m3,m4}"
  --m4-repeats "${M4_REPEATS:-1}" --pairs "${PAIRS:-6}" --game "${GAME:-matching_pennies}")
for kv in ${GAME_PARAMS:-}; do args+=(--game-param "$kv"); done
if [[ "${AA:-0}" == 1 ]]; then args+=(--aa); fi
# Debian's python3 (standard library only; the pyenv python3 on PATH works too).
/usr/bin/python3 "$root/bench/load/service_bench.py" "${args[@]}"
echo "uptime after: $(uptime)" | tee -a "$out/machine.txt"
