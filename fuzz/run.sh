#!/usr/bin/env bash
# Builds the fuzz targets (the `fuzz` preset, target fuzz_all) and runs them: for each target, first
# every file of its seed corpus once (a regression test), then libFuzzer for a while, starting from
# that corpus. Any crash, abort, timeout, leak or failed invariant fails the script; libFuzzer
# saves the input as <work>/<target>/crash-… (or leak-…, timeout-…, oom-…).
#
#   fuzz/run.sh                          all targets, 30 s each
#   fuzz/run.sh --seconds 600 nfg wire   two targets, 10 minutes each
#   fuzz/run.sh --runs 10000000 --seconds 3600 spec_check   10^7 executions or an hour
#   fuzz/run.sh --runs 0                 the seed corpora only
#
# Options: --seconds N (default 30 unless --runs is given), --runs N, --timeout N (seconds one
# input may take, default 10; long runs on a loaded machine: 60), --no-build, --bin-dir DIR
# (default build/fuzz/fuzz/bin), --work DIR (grown corpora, artifacts, logs; default
# build/fuzz/fuzz/work; wiped per target unless --keep). Prints one line of figures per target
# (executions, exec/s, cov, ft, corpus, peak RSS) and appends it to <work>/summary.txt.
# Long runs on a shared machine: `nice -n 19 fuzz/run.sh ...`, one at a time.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
all_targets=(nfg run_file wire spec_check hosted_game)
seconds="" runs="" build=1 keep=0 timeout=10
bin_dir="$repo/build/fuzz/fuzz/bin" work="$repo/build/fuzz/fuzz/work"
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --timeout) timeout="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --bin-dir) bin_dir="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    -*) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
[ -n "$seconds" ] || [ -n "$runs" ] || seconds=30
for t in "${targets[@]}"; do
  [ -d "$repo/fuzz/corpus/$t" ] || { echo "run.sh: unknown target '$t' (known: ${all_targets[*]})" >&2; exit 2; }
done

if [ "$build" = 1 ]; then
  (cd "$repo" && cmake --preset fuzz >/dev/null && cmake --build --preset fuzz)
fi

# allocator_release_to_os_interval_ms=-1: ASan hands freed memory back to the kernel (madvise)
# every 5 s by default; on this VM one such madvise stalled for >10 s under load and libFuzzer
# reported timeouts of inputs that run in 0.1 s (fuzz/README.md, "Long runs").
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_release_to_os_interval_ms=-1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
mkdir -p "$work"
failed=()
for t in "${targets[@]}"; do
  bin="$bin_dir/fuzz_$t"
  [ -x "$bin" ] || { echo "run.sh: $bin is missing (build the fuzz preset)" >&2; exit 2; }
  dir="$work/$t"
  [ "$keep" = 1 ] || rm -rf "$dir"
  mkdir -p "$dir/corpus"
  flags=(-timeout="$timeout" -rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1
         "-artifact_prefix=$dir/")
  [ -f "$repo/fuzz/dict/$t.dict" ] && flags+=("-dict=$repo/fuzz/dict/$t.dict")

  # 1. The seed corpus, each file once.
  seeds=("$repo/fuzz/corpus/$t"/*)
  if ! "$bin" "${flags[@]}" "${seeds[@]}" >"$dir/corpus.log" 2>&1; then
    echo "FAIL $t: a seed corpus file fails (log: $dir/corpus.log)" >&2
    tail -40 "$dir/corpus.log" >&2
    failed+=("$t")
    continue
  fi
  if [ "${runs:-}" = 0 ]; then
    echo "$t: ${#seeds[@]} seed files ok"
    continue
  fi

  # 2. Fuzzing, growing a scratch corpus from the seeds (the repository's corpus is not touched).
  limits=()
  [ -n "$seconds" ] && limits+=("-max_total_time=$seconds")
  [ -n "$runs" ] && limits+=("-runs=$runs")
  status=0
  "$bin" "${flags[@]}" "${limits[@]}" "$dir/corpus" "$repo/fuzz/corpus/$t" >"$dir/fuzz.log" 2>&1 \
    || status=$?
  stat() { sed -n "s/^stat::$1: *//p" "$dir/fuzz.log" | tail -1; }
  last="$(grep -E '^#[0-9]+.*cov: ' "$dir/fuzz.log" | tail -1 || true)"
  cov="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")"
  ft="$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")"
  corp="$(sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p' <<<"$last")"
  line="$t: executions=$(stat number_of_executed_units) exec/s=$(stat average_exec_per_sec)"
  line+=" cov=$cov ft=$ft corpus=$corp peak_rss_mb=$(stat peak_rss_mb)"
  if [ "$status" = 0 ]; then
    line+=" findings=0"
  else
    line+=" FINDING (exit $status; log: $dir/fuzz.log)"
    failed+=("$t")
  fi
  echo "$line" | tee -a "$work/summary.txt"
  if [ "$status" != 0 ]; then
    grep -E -A30 'ERROR: |fuzz invariant failed|runtime error|deadly signal|Test unit written' \
      "$dir/fuzz.log" | head -80 >&2 || true
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in: ${failed[*]}" >&2
  exit 1
fi
