"""What a learner sees and says: the player's view of the game, its actions and its feedback.

These mirror the protocol messages (``proto/nashnet/v1/coordinator.proto``) as plain Python values,
so a learner never touches protobuf or gRPC::

    view.finite, view.num_actions, view.box_lower, view.feedback == "bandit", view.seed
    Action(index=2, strategy=[0.2, 0.3, 0.5], probability=0.5)
    feedback.payoff, feedback.payoff_vector, feedback.round
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple, Union

FEEDBACK_MODELS = ("full", "noisy", "counterfactual", "bandit")


@dataclass(frozen=True)
class PlayerView:
    """The game as one player sees it (``PlayerView`` of the protocol)."""

    player: int
    num_players: int
    num_actions: int  # finite games: |A_i| >= 1; 0 for continuous games
    box_lower: Tuple[float, ...] = ()  # continuous games: the action set, a box in R^d
    box_upper: Tuple[float, ...] = ()
    payoff_min: float = 0.0
    payoff_max: float = 1.0
    feedback: str = "full"  # full, noisy, counterfactual or bandit
    horizon: int = 0  # T (0 = unknown)
    seed: int = 0  # the seed of the learner's own RNG

    @property
    def finite(self) -> bool:
        """True for a finite action set (actions are indices), False for a box."""
        return self.num_actions > 0

    @property
    def dimension(self) -> int:
        """d for a continuous game (the box is in R^d); 0 for a finite game."""
        return len(self.box_lower)

    @property
    def payoff_range(self) -> float:
        """payoff_max - payoff_min."""
        return self.payoff_max - self.payoff_min


@dataclass
class Action:
    """One round's action: an index (finite games) or a point (continuous games).

    ``strategy`` is the mixed strategy the action was drawn from (probabilities over actions; for
    continuous games with ``cell_lower``/``cell_upper``, the masses of box cells): required for
    full and noisy feedback on finite games, used for pseudo-regret. ``probability`` is the
    probability (or density) of the action under the distribution actually sampled, if known.
    """

    index: Optional[int] = None
    point: Optional[Sequence[float]] = None
    strategy: Optional[Sequence[float]] = None
    probability: Optional[float] = None
    cell_lower: Optional[Sequence[float]] = None
    cell_upper: Optional[Sequence[float]] = None


# What Learner.act may return: an index, (index, strategy), a point, or an Action.
ActionLike = Union[int, Tuple[int, Sequence[float]], Sequence[float], Action]


@dataclass
class Feedback:
    """What the coordinator told the player after round ``round`` (``Feedback`` of the protocol)."""

    round: int
    payoff: float  # the realized payoff of the action played for this seat
    payoff_vector: List[float] = field(default_factory=list)  # finite games, non-bandit models
    index: Optional[int] = None  # the action played for this seat (finite games)
    point: Optional[List[float]] = None  # ... or the point (continuous games)
    substituted: bool = False  # the straggler policy chose the action (the agent was late)


def to_action(value: ActionLike, view: PlayerView) -> Action:
    """Normalises what ``Learner.act`` returned into an ``Action``; ValueError if it cannot be one.

    Finite games: an int, an ``(int, strategy)`` pair or an ``Action``. Continuous games: a
    sequence of d floats (numpy arrays work) or an ``Action``.
    """
    if isinstance(value, Action):
        return value
    if view.finite:
        if isinstance(value, tuple) and len(value) == 2:
            index, strategy = value
            return Action(index=_as_index(index), strategy=[float(p) for p in strategy])
        return Action(index=_as_index(value))
    try:
        point = [float(c) for c in value]  # type: ignore[union-attr]
    except TypeError as e:
        raise ValueError(f"act() returned {value!r}; a continuous game needs a point "
                         f"(a sequence of {view.dimension} floats) or an Action") from e
    return Action(point=point)


def _as_index(value: object) -> int:
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise ValueError(f"act() returned {value!r}; a finite game needs an action index "
                         "(int), (index, strategy) or an Action")
    return int(value)  # type: ignore[call-overload]


def check_finite(values: Sequence[float]) -> bool:
    """True if every value is a finite float."""
    return all(math.isfinite(v) for v in values)
