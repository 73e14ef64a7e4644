"""nashnet's finite-game learners in Python, bit for bit as the C++ ones.

``HedgeLearner`` (agents/hedge.cc, the step-size form), ``HedgeLrLearner`` (the learning-rate
form) and ``BanditHedgeLearner`` (agents/bandit_hedge.cc) perform the C++ learners' arithmetic in
the same order with the same RNG (``nashnet.rng``) and Gibbs map (``nashnet.gibbs``): with the
same view and feedback they play the same actions and report the same strategies to the last bit,
so a game played by Python agents writes the record ``nashnet simulate`` writes.

    learner = make_learner("hedge", {"beta": 0.6})   # ALGORITHMS.md's defaults for the rest
    learner.start(view)
    action = learner.act(view, Rng(view.seed))       # Action(index, strategy, probability)

Unknown algorithms or parameters and impossible values raise ``ValueError`` naming them, with the
C++ learners' messages.
"""

from __future__ import annotations

import math
from typing import Dict, List, Mapping, Optional

from .gibbs import PowerSchedule, gibbs_from_shifted, sample_index, shift_max_to_zero
from .learner import Learner
from .rng import Rng
from .types import Action, Feedback, PlayerView

#: The algorithms this module implements, with their parameters (learner_params.h's order).
ALGORITHMS: Dict[str, List[str]] = {
    "hedge": ["gamma0", "beta"],
    "hedge-lr": ["eta0", "eta_exponent"],
    "bandit-hedge": ["gamma0", "beta", "epsilon0", "epsilon_exponent"],
}


def _range_or_one(view: PlayerView) -> float:
    w = view.payoff_max - view.payoff_min
    return w if (math.isfinite(w) and w > 0.0) else 1.0


def _check_params(algorithm: str, params: Mapping[str, float]) -> Dict[str, float]:
    known = ALGORITHMS[algorithm]
    out: Dict[str, float] = {}
    for name in sorted(params):
        if name not in known:
            raise ValueError(f"{algorithm}: unknown parameter '{name}' (known: "
                             f"{', '.join(known)})")
        out[name] = float(params[name])
    return out


def _check_finite_view(algorithm: str, view: PlayerView) -> None:
    if not view.finite:
        raise ValueError(f"{algorithm} needs a finite action set, but the player's action set is "
                         f"a box in R^{view.dimension} (use kernel-da or hda)")


def _draw(x: List[float], rng: Rng) -> Action:
    """``DrawFiniteAction``: the index drawn from x with one uniform, and its probability."""
    index = sample_index(x, rng.uniform())
    return Action(index=index, strategy=list(x), probability=x[index])


class HedgeLearner(Learner):
    """Hedge, step-size form: ``x = softmax(Y)``, ``Y += gamma0 / t**beta * v`` (P1)."""

    algorithm = "hedge"

    def __init__(self, gamma0: Optional[float] = None, beta: Optional[float] = None) -> None:
        self.params = _check_params(self.algorithm, {
            k: v for k, v in (("gamma0", gamma0), ("beta", beta)) if v is not None})
        self._step = PowerSchedule()
        self._t = 1
        self._scores: List[float] = []
        self._x: List[float] = []

    def start(self, view: PlayerView) -> None:
        _check_finite_view("hedge", view)
        if view.feedback == "bandit":
            raise ValueError("hedge needs a payoff vector, but the feedback model is bandit "
                             "(use bandit-hedge)")
        gamma0 = self.params.get("gamma0", 0.1 / _range_or_one(view))
        beta = self.params.get("beta", 0.0 if view.feedback == "full" else 0.6)
        if not (math.isfinite(gamma0) and gamma0 > 0.0):
            raise ValueError(f"hedge: gamma0 must be > 0, got {gamma0:g}")
        if not (0.0 <= beta <= 1.0):
            raise ValueError(f"hedge: beta must be in [0, 1], got {beta:g}")
        self._step = PowerSchedule(gamma0, beta)
        self._t = 1
        self._scores = [0.0] * view.num_actions
        self._x = gibbs_from_shifted(self._scores, 1.0)

    @property
    def strategy(self) -> List[float]:
        """x(t), the current mixed strategy."""
        return self._x

    def act(self, view: PlayerView, rng: Rng) -> Action:
        return _draw(self._x, rng)

    def update(self, feedback: Feedback) -> None:
        gamma = self._step(self._t)
        self._t += 1
        v = feedback.payoff_vector
        if len(v) != len(self._scores):
            return
        increment = [gamma * value for value in v]
        if not all(math.isfinite(i) for i in increment):
            return
        scores = self._scores
        for k, i in enumerate(increment):
            scores[k] += i
        shift_max_to_zero(scores)
        gibbs_from_shifted(scores, 1.0, self._x)


class HedgeLrLearner(Learner):
    """Hedge, learning-rate form: ``x = softmax(eta0 / t**eta_exponent * S)``, ``S += v``."""

    algorithm = "hedge-lr"

    def __init__(self, eta0: Optional[float] = None,
                 eta_exponent: Optional[float] = None) -> None:
        self.params = _check_params(self.algorithm, {
            k: v for k, v in (("eta0", eta0), ("eta_exponent", eta_exponent)) if v is not None})
        self._rate = PowerSchedule()
        self._t = 1
        self._scores: List[float] = []
        self._x: List[float] = []

    def start(self, view: PlayerView) -> None:
        _check_finite_view("hedge-lr", view)
        if view.feedback == "bandit":
            raise ValueError("hedge-lr needs a payoff vector, but the feedback model is bandit "
                             "(use bandit-hedge)")
        n = max(2, view.num_actions)
        eta0 = self.params.get("eta0", math.sqrt(8.0 * math.log(float(n))) / _range_or_one(view))
        eta_exponent = self.params.get("eta_exponent", 0.5)
        if not (math.isfinite(eta0) and eta0 > 0.0):
            raise ValueError(f"hedge-lr: eta0 must be > 0, got {eta0:g}")
        if not (0.0 <= eta_exponent <= 1.0):
            raise ValueError(f"hedge-lr: eta_exponent must be in [0, 1], got {eta_exponent:g}")
        self._rate = PowerSchedule(eta0, eta_exponent)
        self._t = 1
        self._scores = [0.0] * view.num_actions
        self._x = gibbs_from_shifted(self._scores, self._rate(1))

    @property
    def strategy(self) -> List[float]:
        """x(t), the current mixed strategy."""
        return self._x

    def act(self, view: PlayerView, rng: Rng) -> Action:
        return _draw(self._x, rng)

    def update(self, feedback: Feedback) -> None:
        self._t += 1
        v = feedback.payoff_vector
        scores = self._scores
        if len(v) == len(scores) and all(math.isfinite(value) for value in v):
            for k, value in enumerate(v):
                scores[k] += value
            shift_max_to_zero(scores)
        gibbs_from_shifted(scores, self._rate(self._t), self._x)


class BanditHedgeLearner(Learner):
    """Hedge from realized payoffs: importance-weighted estimates, epsilon-uniform exploration."""

    algorithm = "bandit-hedge"

    def __init__(self, gamma0: Optional[float] = None, beta: Optional[float] = None,
                 epsilon0: Optional[float] = None,
                 epsilon_exponent: Optional[float] = None) -> None:
        given = (("gamma0", gamma0), ("beta", beta), ("epsilon0", epsilon0),
                 ("epsilon_exponent", epsilon_exponent))
        self.params = _check_params(self.algorithm, {k: v for k, v in given if v is not None})
        self._step = PowerSchedule()
        self._exploration = PowerSchedule()
        self._payoff_min = 0.0
        self._payoff_width = 1.0
        self._t = 1
        self._last_action = -1
        self._scores: List[float] = []
        self._x: List[float] = []

    def start(self, view: PlayerView) -> None:
        _check_finite_view("bandit-hedge", view)
        gamma0 = self.params.get("gamma0", 0.1)
        beta = self.params.get("beta", 0.7)
        epsilon0 = self.params.get("epsilon0", 1.0)
        epsilon_exponent = self.params.get("epsilon_exponent", 1.0 / 3.0)
        if not (math.isfinite(gamma0) and gamma0 > 0.0):
            raise ValueError(f"bandit-hedge: gamma0 must be > 0, got {gamma0:g}")
        for name, value in (("beta", beta), ("epsilon0", epsilon0),
                            ("epsilon_exponent", epsilon_exponent)):
            if not (0.0 <= value <= 1.0):
                raise ValueError(f"bandit-hedge: {name} must be in [0, 1], got {value:g}")
        self._step = PowerSchedule(gamma0, beta)
        self._exploration = PowerSchedule(epsilon0, epsilon_exponent)
        self._payoff_min = view.payoff_min
        width = view.payoff_max - view.payoff_min
        self._payoff_width = width if width > 0.0 else 1.0
        self._t = 1
        self._last_action = -1
        self._scores = [0.0] * view.num_actions
        self._x = [0.0] * view.num_actions
        self._refresh()

    def _refresh(self) -> None:
        epsilon = min(1.0, self._exploration(self._t))
        x = gibbs_from_shifted(self._scores, 1.0, self._x)
        keep = 1.0 - epsilon
        spread = epsilon / float(len(x))
        for k in range(len(x)):
            x[k] = keep * x[k] + spread

    @property
    def strategy(self) -> List[float]:
        """x~(t), the strategy sampled (exploration included)."""
        return self._x

    def act(self, view: PlayerView, rng: Rng) -> Action:
        action = _draw(self._x, rng)
        self._last_action = action.index  # type: ignore[assignment]
        return action

    def update(self, feedback: Feedback) -> None:
        action = self._last_action
        self._last_action = -1
        if action < 0:  # no action drawn this round: nothing to attribute the payoff to
            self._t += 1
            self._refresh()
            return
        gamma = self._step(self._t)
        self._t += 1
        u = (feedback.payoff - self._payoff_min) / self._payoff_width
        x = self._x
        if 0 <= action < len(self._scores) and x[action] > 0.0:
            increment = gamma * u / x[action]
            if math.isfinite(increment):
                self._scores[action] += increment
                shift_max_to_zero(self._scores)
        self._refresh()


_CLASSES = {"hedge": HedgeLearner, "hedge-lr": HedgeLrLearner, "bandit-hedge": BanditHedgeLearner}


def make_learner(algorithm: str, params: Optional[Mapping[str, float]] = None) -> Learner:
    """The built-in learner ``algorithm`` with ``params`` (ALGORITHMS.md's defaults for the rest).

    ValueError for an algorithm this package does not implement (``kernel-da`` and ``hda`` are
    C++ only) or an unknown parameter.
    """
    if algorithm not in _CLASSES:
        raise ValueError(f"unknown learner algorithm '{algorithm}' (the Python SDK has: "
                         f"{', '.join(_CLASSES)}; kernel-da and hda are in nashnet-agent)")
    params = dict(params or {})
    _check_params(algorithm, params)
    return _CLASSES[algorithm](**{k.replace("-", "_"): float(v) for k, v in params.items()})


def default_algorithm(view: PlayerView) -> str:
    """The learner the simulator picks for a view: hda (continuous), bandit-hedge, else hedge."""
    if not view.finite:
        return "hda"
    return "bandit-hedge" if view.feedback == "bandit" else "hedge"
