"""nashnet's Python learners and RNG reproduce the C++ ones bit for bit.

nashnet_learner_trace (tests/python/learner_trace.cc) drives a C++ learner through scripted
feedback — malformed rounds and rounds without an action included — and prints every strategy,
action and probability in hex; the same feedback goes to the Python learner, and every double
must be equal to the last bit. Action counts 1..9 cover Eigen's paired exp/sum and the odd tail.
"""

from __future__ import annotations

import math
import os
import subprocess
from typing import Dict, List

import pytest

import nashnet
from nashnet.gibbs import _eigen_exp

TRACE = os.environ.get("NASHNET_LEARNER_TRACE", "")


def trace(*args: str) -> List[str]:
    if not TRACE or not os.path.exists(TRACE):
        pytest.skip("nashnet_learner_trace is not built (NASHNET_LEARNER_TRACE)")
    run = subprocess.run([TRACE, *args], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return run.stdout.splitlines()


def bits(x: float) -> str:
    return float.hex(x)


CASES = [
    # algorithm, actions, feedback, payoff range, params
    ("hedge", 2, "full", (0.0, 5.0), {}),
    ("hedge", 3, "noisy", (-1.0, 1.0), {}),
    ("hedge", 1, "full", (0.0, 1.0), {}),
    ("hedge", 5, "counterfactual", (-3.0, 7.0), {"gamma0": 0.9, "beta": 0.6}),
    ("hedge", 8, "full", (0.0, 1.0), {"gamma0": 40.0}),  # scores spread below exp's -700 floor
    ("hedge", 9, "noisy", (2.0, 2.0), {}),  # a zero payoff range
    ("hedge-lr", 4, "full", (0.0, 1.0), {}),
    ("hedge-lr", 7, "noisy", (-5.0, 5.0), {"eta0": 2.5, "eta_exponent": 0.3}),
    ("hedge-lr", 2, "counterfactual", (0.0, 10.0), {"eta_exponent": 0.0}),
    ("bandit-hedge", 2, "bandit", (0.0, 1.0), {}),
    ("bandit-hedge", 3, "bandit", (-2.0, 4.0), {"epsilon0": 0.5}),
    ("bandit-hedge", 6, "noisy", (0.0, 5.0), {"gamma0": 3.0, "beta": 0.4}),
    ("bandit-hedge", 1, "bandit", (0.0, 1.0), {}),
    ("bandit-hedge", 9, "bandit", (0.0, 1.0), {"epsilon0": 0.0}),
]


@pytest.mark.parametrize("algorithm,n,feedback,payoffs,params", CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}-{i}" for i, c in enumerate(CASES)])
def test_python_learner_reproduces_the_cpp_learner_bit_for_bit(
        algorithm: str, n: int, feedback: str, payoffs, params: Dict[str, float]) -> None:
    seed, rounds = 1234567 + n, 600
    lines = trace(algorithm, str(n), feedback, str(seed), str(rounds), repr(payoffs[0]),
                  repr(payoffs[1]), *[f"{k}={v!r}" for k, v in params.items()])
    assert len(lines) == rounds
    view = nashnet.PlayerView(player=0, num_players=2, num_actions=n, payoff_min=payoffs[0],
                              payoff_max=payoffs[1], feedback=feedback, horizon=rounds, seed=seed)
    learner = nashnet.make_learner(algorithm, params)
    learner.start(view)
    rng = nashnet.Rng(seed)
    for line in lines:
        head, _, tail = line.partition(" ; ")
        fields = head.split()
        t, acted = int(fields[0]), fields[1] == "1"
        if acted:
            action = learner.act(view, rng)
            expected_x = [float.fromhex(v) for v in fields[4:]]
            assert action.index == int(fields[2]), f"round {t}: {line}"
            assert bits(action.probability) == bits(float.fromhex(fields[3])), f"round {t}"
            assert [bits(p) for p in action.strategy] == [bits(p) for p in expected_x], \
                f"round {t}: strategy {action.strategy} != {expected_x}"
        values = [float.fromhex(v) for v in tail.split()]
        learner.update(nashnet.Feedback(round=t, payoff=values[0], payoff_vector=values[1:]))


def test_rng_reproduces_the_cpp_rng() -> None:
    for seed in (0, 1, 42, 2**64 - 1, 0x9E3779B97F4A7C15):
        rng = nashnet.Rng(seed)
        for i, line in enumerate(trace("rng", str(seed), "300")):
            next_, uniform, index, gaussian, mixed = line.split()
            assert rng.next() == int(next_)
            assert bits(rng.uniform()) == bits(float.fromhex(uniform))
            assert rng.uniform_int(7) == int(index)
            assert bits(rng.gaussian()) == bits(float.fromhex(gaussian))
            assert nashnet.mix_seed(seed, i) == int(mixed)


def test_eigen_exp_is_close_to_exp_and_exact_at_zero() -> None:
    # The port is Eigen's polynomial, not libm's exp: equal at 0, within a few ulps elsewhere
    # (bit equality with the C++ build is what the trace tests check).
    assert _eigen_exp(0.0) == 1.0
    for k in range(-7000, 1, 7):
        x = k / 10.0
        assert math.isclose(_eigen_exp(x), math.exp(x), rel_tol=1e-15), x


def test_unknown_algorithms_and_parameters_are_named() -> None:
    with pytest.raises(ValueError, match="unknown learner algorithm 'hda'"):
        nashnet.make_learner("hda")
    with pytest.raises(ValueError, match=r"hedge: unknown parameter 'eta0' \(known: gamma0, beta\)"):
        nashnet.make_learner("hedge", {"eta0": 1.0})
    view = nashnet.PlayerView(player=0, num_players=1, num_actions=3, feedback="bandit")
    with pytest.raises(ValueError, match="bandit"):
        nashnet.make_learner("hedge").start(view)
    with pytest.raises(ValueError, match="beta must be in"):
        nashnet.make_learner("hedge", {"beta": 2.0}).start(view.__class__(
            player=0, num_players=1, num_actions=3))
    box = nashnet.PlayerView(player=0, num_players=1, num_actions=0, box_lower=(0.0,),
                             box_upper=(1.0,))
    with pytest.raises(ValueError, match=r"box in R\^1"):
        nashnet.make_learner("bandit-hedge").start(box)


def test_strategies_accept_numpy_arrays_when_numpy_is_there() -> None:
    np = pytest.importorskip("numpy")
    view = nashnet.PlayerView(player=0, num_players=2, num_actions=3)
    action = nashnet.types.to_action((np.int64(2), np.array([0.2, 0.3, 0.5])), view)
    assert action.index == 2 and action.strategy == [0.2, 0.3, 0.5]
    box = nashnet.PlayerView(player=0, num_players=1, num_actions=0, box_lower=(0.0, 0.0),
                             box_upper=(1.0, 1.0))
    assert nashnet.types.to_action(np.array([0.25, 0.75]), box).point == [0.25, 0.75]
