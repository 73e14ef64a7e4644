#!/usr/bin/env bash
# The sweep runner's parallel speed-up: one 1,000-cell sweep of small games played by
# `nashnet sweep --jobs 1` and `--jobs 2`, alternated (1, 2, 2, 1, 1, 2, ...) into fresh folders,
# each timed by the wall clock (a speed-up is a wall-clock matter); the figure is the median over
# pairs of time(1 job) / time(2 jobs). Target (issue 12): >= 1.8x on 2 cores.
#
#   bench/sweep/run_sweep_bench.sh            # 3 pairs
#   bench/sweep/run_sweep_bench.sh 5          # 5 pairs
#   NASHNET=build/release/bin/nashnet ROUNDS=20000 bench/sweep/run_sweep_bench.sh
#
# Environment: NASHNET (default <repo>/build/release/bin/nashnet), ROUNDS (per cell, default
# 20000), OUT_DIR (default a fresh folder under $TMPDIR, removed at the end).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
nashnet="${NASHNET:-$root/build/release/bin/nashnet}"
pairs="${1:-3}"
rounds="${ROUNDS:-20000}"
out="${OUT_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/nashnet-sweep-bench-XXXXXX")}"
[[ -n "${OUT_DIR:-}" ]] || trap 'rm -rf "$out"' EXIT
[[ -x "$nashnet" ]] || { echo "no nashnet at $nashnet (build it: cmake --build --preset release --target nashnet)" >&2; exit 1; }

# 5 small games x 4 learners x 50 seeds = 1,000 cells.
cat >"$out/bench.yaml" <<YAML
name: bench
base: {rounds: $rounds, record_every: 100, feedback: {model: noisy, sigma: 0.5}, seed: 1}
seeds: 50
games: [prisoners_dilemma, matching_pennies, rock_paper_scissors, stag_hunt, shapley]
learners: [hedge, hedge-lr, bandit-hedge, {algorithm: hedge, params: {beta: 0.8}, label: hedge-b08}]
YAML

run() {  # run JOBS -> seconds
  local dir="$out/run-$1-$RANDOM$RANDOM"
  local t0 t1
  t0=$(date +%s.%N)
  "$nashnet" sweep "$out/bench.yaml" --out "$dir" --jobs "$1" --quiet >/dev/null
  t1=$(date +%s.%N)
  [[ $(($(wc -l <"$dir/index.csv") - 1)) -eq 1000 ]] || { echo "index of $dir is not 1000 cells" >&2; exit 1; }
  rm -rf "$dir"
  echo "$t1 - $t0" | bc -l
}

echo "nashnet: $nashnet ($(nproc) cores); 1000 cells x $rounds rounds; load: $(cut -d' ' -f1-3 /proc/loadavg)"
ratios=()
for ((i = 0; i < pairs; i++)); do
  if ((i % 2 == 0)); then one=$(run 1); two=$(run 2); else two=$(run 2); one=$(run 1); fi
  ratio=$(echo "$one / $two" | bc -l)
  ratios+=("$ratio")
  printf 'pair %d: 1 job %.2f s, 2 jobs %.2f s, speed-up %.3fx (load %s)\n' "$((i + 1))" "$one" \
    "$two" "$ratio" "$(cut -d' ' -f1 /proc/loadavg)"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
printf 'median speed-up over %d pairs: %.3fx (target >= 1.8x)\n' "$pairs" "$median"
