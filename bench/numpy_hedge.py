#!/usr/bin/env python3
"""The numpy loop a researcher would write instead of `nashnet simulate` (the baseline of
DESIGN.md's "an in-process run must not be slower than the numpy loop").

Same work per round as the engine's BM_EngineRound (bench/simulate_bench.cc): a 2-player game
with 100 actions each and i.i.d. uniform payoffs, Hedge in its step-size form for both players
(Y += gamma * v; x = softmax(Y) by log-sum-exp, gamma = 0.1 / payoff range, constant), full
information v0 = A @ x1, v1 = B.T @ x0, actions sampled from x, and the coordinator's per-round
bookkeeping (server/match_metrics.cc, RecordFinite): the counterfactual vectors of the played
actions and the running sums behind pseudo-, realized and dynamic regret, the empirical strategy
and the Nash gap of the current profile. Written the efficient way (in-place updates, inverse-CDF
sampling with searchsorted), so that the comparison is fair to numpy.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 bench/numpy_hedge.py --rounds 20000

Prints the BLAS numpy uses, then seconds per round (median of --repeats timed blocks) and, timed
after each block, the two mat-vecs alone (the part a faster BLAS would speed up); with --json FILE
also writes {"numpy_s_per_round": ..., "numpy_matvec_s_per_round": ..., "blas": ..., ...}.
"""
import argparse
import json
import os
import platform
import statistics
import sys
import time

import numpy as np

ACTIONS = 100


def blas_in_use():
    """The BLAS shared library the process actually mapped (after a mat-vec has run)."""
    a = np.ones((ACTIONS, ACTIONS))
    a @ np.ones(ACTIONS)
    libs = set()
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                name = os.path.basename(path).lower()
                if any(k in name for k in ("blas", "mkl", "blis", "accelerate")):
                    libs.add(os.path.realpath(path))
    except OSError:
        pass
    if not libs:
        return "unknown (no BLAS library mapped)"
    text = ", ".join(sorted(libs))
    if "openblas" in text.lower():
        return text + " (OpenBLAS)"
    if "/blas/libblas" in text:
        return text + " (netlib reference BLAS, Debian's libblas3)"
    return text


class HedgeRun:
    """Two Hedge players on the bimatrix game (A, B) plus the coordinator's bookkeeping."""

    def __init__(self, seed):
        rng = np.random.default_rng(seed)
        self.A = rng.random((ACTIONS, ACTIONS))  # u_0(a0, a1)
        self.B = rng.random((ACTIONS, ACTIONS))  # u_1(a0, a1)
        payoff_range = max(self.A.max(), self.B.max()) - min(self.A.min(), self.B.min())
        self.gamma = 0.1 / payoff_range
        self.rng = rng
        n = ACTIONS
        self.Y = [np.zeros(n), np.zeros(n)]  # scores
        self.x = [np.full(n, 1.0 / n), np.full(n, 1.0 / n)]  # mixed strategies
        self.cum_v = [np.zeros(n), np.zeros(n)]  # sum_t v_i(x(t))
        self.cum_p = [np.zeros(n), np.zeros(n)]  # sum_t v_i(a_-i(t))
        self.cum_x = [np.zeros(n), np.zeros(n)]  # sum_t x_i(t)
        self.cum_u = [0.0, 0.0]  # sum_t u_i(x(t))
        self.cum_real = [0.0, 0.0]  # sum_t u_i(a(t))
        self.cum_dyn = [0.0, 0.0]  # sum_t [max v_i(x(t)) - u_i(x(t))]
        self.nash_gap = 0.0
        self.t = 0

    def rounds(self, count):
        A, B, Y, x, rng, gamma = self.A, self.B, self.Y, self.x, self.rng, self.gamma
        cum_v, cum_p, cum_x = self.cum_v, self.cum_p, self.cum_x
        cum_u, cum_real, cum_dyn = self.cum_u, self.cum_real, self.cum_dyn
        for _ in range(count):
            # Actions a_i ~ x_i (inverse CDF).
            u0, u1 = rng.random(2)
            a0 = min(int(np.searchsorted(np.cumsum(x[0]), u0, side="right")), ACTIONS - 1)
            a1 = min(int(np.searchsorted(np.cumsum(x[1]), u1, side="right")), ACTIONS - 1)
            # Full information: the mixed payoff vectors; counterfactual ones for realized regret.
            v = (A @ x[1], B.T @ x[0])
            p = (A[:, a1], B[a0, :])
            a = (a0, a1)
            gap = 0.0
            for i in range(2):
                expected = float(v[i] @ x[i])
                best = float(v[i].max())
                cum_v[i] += v[i]
                cum_p[i] += p[i]
                cum_x[i] += x[i]
                cum_u[i] += expected
                cum_real[i] += float(p[i][a[i]])
                cum_dyn[i] += best - expected
                gap += best - expected
            self.nash_gap = gap
            # Hedge: Y += gamma v; x = softmax(Y), max subtracted first (log-sum-exp).
            for i in range(2):
                Y[i] += gamma * v[i]
                Y[i] -= Y[i].max()
                xi = np.exp(Y[i])
                xi /= xi.sum()
                x[i] = xi
            self.t += 1

    def matvecs(self, count):
        """Only the two mat-vecs of `count` rounds (how much of a round the BLAS takes)."""
        A, B, x = self.A, self.B, self.x
        for _ in range(count):
            A @ x[1]
            B.T @ x[0]

    def regrets(self):
        """Static pseudo-regret per player (what the engine's Snapshot reports)."""
        return [float(self.cum_v[i].max() - self.cum_u[i]) for i in range(2)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20000, help="rounds per timed block")
    parser.add_argument("--repeats", type=int, default=3, help="timed blocks (median reported)")
    parser.add_argument("--warmup", type=int, default=2000, help="untimed rounds first")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="also write the result to this file")
    args = parser.parse_args()

    blas = blas_in_use()
    print(f"numpy {np.__version__} on Python {platform.python_version()} ({sys.executable})")
    print(f"BLAS in use: {blas}")
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS"):
        print(f"  {var}={os.environ.get(var, '(unset)')}")

    run = HedgeRun(args.seed)
    run.rounds(args.warmup)
    blocks, matvec_blocks = [], []
    for _ in range(args.repeats):
        start = time.process_time()  # CPU time, like the C++ benchmarks' counters
        run.rounds(args.rounds)
        blocks.append((time.process_time() - start) / args.rounds)
        start = time.process_time()
        run.matvecs(args.rounds)
        matvec_blocks.append((time.process_time() - start) / args.rounds)
    median = statistics.median(blocks)
    matvec = statistics.median(matvec_blocks)
    print(f"numpy Hedge 2x{ACTIONS}, full information: {median * 1e6:.2f} us/round "
          f"(median of {args.repeats} blocks of {args.rounds} rounds; "
          f"blocks {', '.join(f'{b * 1e6:.2f}' for b in blocks)} us; "
          f"regrets after {run.t} rounds {', '.join(f'{r:.2f}' for r in run.regrets())})")
    print(f"  of which the two mat-vecs A @ x1, B.T @ x0 alone: {matvec * 1e6:.2f} us/round")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"numpy_s_per_round": median, "blocks": blocks, "rounds": args.rounds,
                       "numpy_matvec_s_per_round": matvec, "matvec_blocks": matvec_blocks,
                       "blas": blas, "numpy": np.__version__,
                       "python": platform.python_version()}, out, indent=1)


if __name__ == "__main__":
    main()
