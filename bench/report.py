#!/usr/bin/env python3
"""Reads what bench/run_benchmarks.sh collected in one directory and prints the table of ratios.

    python3 bench/report.py DIR    # DIR/engine_<k>.json (Google Benchmark), DIR/numpy_<k>.json

Every figure is a median over all runs of that benchmark in DIR (Google Benchmark repetitions
across every engine_<k>.json); a ratio of two benchmarks is the median of the per-repetition
ratios (numpy vs engine: numpy_<k> against the median engine figure of engine_<k>, the run beside
it). All C++ times are CPU times of the benchmark thread (Google Benchmark's rate counters divide
by CPU time); the numpy script times with process_time(). Standard library only.
"""
import glob
import json
import os
import re
import statistics
import sys

TARGETS = {
    "ratio": "<= 2",
    "numpy": ">= 1",
    "updates": ">= 1e6",
}


def load_engine(directory):
    """{benchmark run_name: [entry per repetition, ...]} from every engine_<k>.json, plus
    {k: {run_name: [entries]}} per file (for pairing with numpy_<k>)."""
    merged, per_file, context = {}, {}, None
    for path in sorted(glob.glob(os.path.join(directory, "engine_*.json"))):
        k = re.search(r"engine_(\d+)\.json$", path).group(1)
        with open(path) as f:
            data = json.load(f)
        context = context or data.get("context", {})
        for entry in data.get("benchmarks", []):
            if entry.get("run_type") != "iteration" or entry.get("error_occurred"):
                continue
            name = entry["run_name"]
            merged.setdefault(name, []).append(entry)
            per_file.setdefault(k, {}).setdefault(name, []).append(entry)
    return merged, per_file, context


def load_numpy(directory):
    result = {}
    for path in sorted(glob.glob(os.path.join(directory, "numpy_*.json"))):
        k = re.search(r"numpy_(\d+)\.json$", path).group(1)
        with open(path) as f:
            result[k] = json.load(f)
    return result


def median_of(entries, key):
    values = [e[key] for e in entries if key in e]
    return statistics.median(values) if values else float("nan"), values


def fmt_time(seconds):
    return f"{seconds * 1e6:.2f} us"


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    directory = sys.argv[1]
    engine, per_file, context = load_engine(directory)
    numpy_runs = load_numpy(directory)
    if not engine:
        sys.exit(f"no engine_*.json results in {directory}")

    rows = []  # (what, value text, spread text, target, verdict)

    def add(what, value, values, target=None, good=None, unit=""):
        spread = ""
        if len(values) > 1:
            spread = f"[{min(values):.3g} .. {max(values):.3g}] n={len(values)}"
        verdict = "" if good is None else ("meets" if good else "MISSES")
        rows.append((what, f"{value:.3g}{unit}", spread, target or "", verdict))

    # Engine vs mat-vec, paired inside one benchmark (the figure to quote).
    paired = engine.get("BM_EngineVsMatVec/checked:0", [])
    ratio, values = median_of(paired, "ratio")
    add("engine round / 2 mat-vecs (paired blocks, CPU)", ratio, values, TARGETS["ratio"],
        ratio <= 2.0, "x")
    ratio_wall, values = median_of(paired, "ratio_wall")
    add("  same, wall clock", ratio_wall, values, unit="x")
    checked = engine.get("BM_EngineVsMatVec/checked:1", [])
    if checked:
        ratio, values = median_of(checked, "ratio")
        add("  same, submissions through the checked Match::SubmitAction", ratio, values,
            TARGETS["ratio"], ratio <= 2.0, "x")

    # Engine vs mat-vec from the separate benchmarks, repetition by repetition.
    separate, simulate = [], []
    for runs in per_file.values():
        base = [e["s_per_round"] for e in runs.get("BM_MatVecBaseline", [])]
        for e, b in zip(runs.get("BM_EngineRound", []), base):
            separate.append(e["s_per_round"] / b)
        for e, b in zip(runs.get("BM_Simulate2x100", []), base):
            simulate.append(e["s_per_round"] / b)
    if separate:
        add("engine round / 2 mat-vecs (separate benchmarks)", statistics.median(separate),
            separate, TARGETS["ratio"], statistics.median(separate) <= 2.0, "x")
    if simulate:
        add("Simulate() round / 2 mat-vecs (setup included)", statistics.median(simulate),
            simulate, TARGETS["ratio"], statistics.median(simulate) <= 2.0, "x")

    # numpy vs engine: numpy_<k> against engine_<k>.
    # Adjusted: numpy's own mat-vecs replaced by Eigen's (BM_MatVecBaseline of the same run), i.e.
    # numpy as if its BLAS were as fast as Eigen here, whichever BLAS this machine's numpy has.
    numpy_ratios, adjusted_ratios = [], []
    for k, result in numpy_runs.items():
        runs = per_file.get(k, {})
        engine_rounds = [e["s_per_round"] for e in runs.get("BM_EngineRound", [])]
        matvecs = [e["s_per_round"] for e in runs.get("BM_MatVecBaseline", [])]
        if not engine_rounds:
            continue
        engine_round = statistics.median(engine_rounds)
        numpy_ratios.append(result["numpy_s_per_round"] / engine_round)
        if matvecs and "numpy_matvec_s_per_round" in result:
            adjusted = (result["numpy_s_per_round"] - result["numpy_matvec_s_per_round"] +
                        statistics.median(matvecs))
            adjusted_ratios.append(adjusted / engine_round)
    if numpy_ratios:
        m = statistics.median(numpy_ratios)
        add("numpy round / engine round", m, numpy_ratios, TARGETS["numpy"], m >= 1.0, "x")
    if adjusted_ratios:
        m = statistics.median(adjusted_ratios)
        add("  same, numpy's mat-vecs priced at Eigen's", m, adjusted_ratios, TARGETS["numpy"],
            m >= 1.0, "x")

    # Routing: player-updates per second (per core: single-threaded).
    for name in sorted(n for n in engine if n.startswith("BM_Routing")):
        label = engine[name][0].get("label", name)
        rate, values = median_of(engine[name], "player_updates_per_s")
        add(f"{label}: player-updates/s", rate, values, TARGETS["updates"], rate >= 1e6)

    width = max(len(r[0]) for r in rows)
    print()
    print(f"{'what':<{width}}  {'median':>9}  {'target':>7}  {'':6}  spread")
    for what, value, spread, target, verdict in rows:
        print(f"{what:<{width}}  {value:>9}  {target:>7}  {verdict:6}  {spread}")

    # Absolute medians, for reading the ratios (not targets: they depend on the machine's load).
    print("\nabsolute medians (CPU time per round; the machine is shared, so only ratios count):")
    for name, key in (("BM_MatVecBaseline", "s_per_round"), ("BM_EngineRound", "s_per_round"),
                      ("BM_EngineVsMatVec/checked:0", "matvec_s"),
                      ("BM_EngineVsMatVec/checked:0", "engine_s"),
                      ("BM_EngineVsMatVec/checked:1", "engine_s"),
                      ("BM_Simulate2x100", "s_per_round")):
        m, values = median_of(engine.get(name, []), key)
        if values:
            print(f"  {name}.{key}: {fmt_time(m)}")
    if numpy_runs:
        m = statistics.median(r["numpy_s_per_round"] for r in numpy_runs.values())
        any_run = next(iter(numpy_runs.values()))
        print(f"  numpy_hedge.py: {fmt_time(m)}  (numpy {any_run.get('numpy')}, "
              f"BLAS {any_run.get('blas')})")
        mv = [r["numpy_matvec_s_per_round"] for r in numpy_runs.values()
              if "numpy_matvec_s_per_round" in r]
        if mv:
            print(f"  numpy_hedge.py, the two mat-vecs alone: {fmt_time(statistics.median(mv))}")
    if context:
        print(f"\nGoogle Benchmark context: {context.get('num_cpus')} CPUs at "
              f"{context.get('mhz_per_cpu')} MHz, load average {context.get('load_avg')}, "
              f"library build {context.get('library_build_type')}")


if __name__ == "__main__":
    main()
