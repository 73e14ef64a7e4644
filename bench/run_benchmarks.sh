#!/usr/bin/env bash
# Builds the benchmarks (Release) and runs the C++ engine benchmarks and the numpy loop side by
# side, interleaved, then prints the table of ratios (bench/report.py).
#
#   bench/run_benchmarks.sh            # 3 repetitions of (simulate_bench, numpy_hedge.py)
#   bench/run_benchmarks.sh 5          # 5 repetitions
#   BUILD_DIR=build/h6 bench/run_benchmarks.sh
#
# Environment: BUILD_DIR (default <repo>/build/bench), OUT_DIR (default
# $BUILD_DIR/bench-results/<UTC time>), INNER_REPS (Google Benchmark repetitions per run, randomly
# interleaved; default 3), NUMPY_ROUNDS (rounds per numpy timed block; default 20000).
# Every figure it prints is a ratio against a baseline measured in the same run, or a rate;
# the raw JSON stays in OUT_DIR.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build/bench}"
reps="${1:-3}"
inner_reps="${INNER_REPS:-3}"
numpy_rounds="${NUMPY_ROUNDS:-20000}"
out="${OUT_DIR:-$build/bench-results/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$out"

echo "== build (Release) in $build"
if ! cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DNASHNET_BUILD_TESTS=OFF \
  -DNASHNET_BUILD_BENCH=ON >"$out/cmake.log" 2>&1 ||
  ! nice ninja -C "$build" -j2 simulate_bench gibbs_bench >"$out/build.log" 2>&1; then
  tail -n 30 "$out/cmake.log" "$out/build.log" >&2
  echo "build failed (logs in $out)" >&2
  exit 1
fi

# A Python with numpy (pyenv shims may hide Debian's python3-numpy).
py=""
for candidate in python3 /usr/bin/python3; do
  if "$candidate" -c "import numpy" 2>/dev/null; then
    py="$candidate"
    break
  fi
done
if [[ -z "$py" ]]; then
  echo "no python3 with numpy found (Debian: apt-get install python3-numpy)" >&2
  exit 1
fi

{
  echo "machine: nproc=$(nproc), CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "compiler: $(c++ --version 2>/dev/null | sed -n 1p)"
} | tee "$out/machine.txt"

for ((k = 1; k <= reps; ++k)); do
  echo "== repetition $k/$reps: simulate_bench (${inner_reps} interleaved repetitions)"
  if ! "$build/bench/simulate_bench" --benchmark_repetitions="$inner_reps" \
    --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=false \
    --benchmark_out="$out/engine_$k.json" --benchmark_out_format=json >"$out/engine_$k.log" 2>&1
  then
    cat "$out/engine_$k.log" >&2
    echo "simulate_bench failed" >&2
    exit 1
  fi
  grep -v -E '_(mean|median|stddev|cv) ' "$out/engine_$k.log" || true
  echo "== repetition $k/$reps: numpy_hedge.py (OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE unset)"
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$py" "$root/bench/numpy_hedge.py" \
    --rounds "$numpy_rounds" --json "$out/numpy_$k.json"
done

echo "== gibbs_bench (the Hedge kernel)"
"$build/bench/gibbs_bench" --benchmark_repetitions="$inner_reps" \
  --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=true \
  --benchmark_out="$out/gibbs.json" --benchmark_out_format=json >"$out/gibbs.log" 2>&1
grep -v -E '_(mean|stddev|cv) ' "$out/gibbs.log" || true

"$py" "$root/bench/report.py" "$out" | tee "$out/report.txt"
echo "raw results: $out"
