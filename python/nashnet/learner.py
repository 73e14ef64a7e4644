"""The Learner interface: what a Python learner implements to play a seat.

    class MyLearner(nashnet.Learner):
        algorithm = "my-learner"                  # reported in Join (the record says what played)

        def start(self, view):                    # before round 1, and again on a reset
            self.weights = [1.0] * view.num_actions

        def act(self, view, rng):                 # one draw per round, from `rng` only
            x = normalised(self.weights)
            k = nashnet.sample_index(x, rng.uniform())
            return k, x                           # the action and the strategy it came from

        def update(self, feedback):               # the round's Feedback (never a substituted one)
            ...

The replay contract (``coordinator.proto``): a learner draws ONE action per round from the
``rng`` it is given (seeded with ``view.seed``), whether or not the action was played, and learns
from every round's feedback unless it was substituted. ``nashnet.play`` keeps that contract for
you: on a resume it replays the seat's history through ``act`` and ``update``, and on a reset it
calls ``start`` again with a fresh ``Rng(view.seed)`` — so a learner whose state depends only on
``start``, the draws of ``rng`` and the feedback continues exactly where it stopped.
"""

from __future__ import annotations

import abc
from typing import Dict

from .rng import Rng
from .types import ActionLike, Feedback, PlayerView


class Learner(abc.ABC):
    """One player's learning algorithm. Not thread safe: one learner per seat."""

    #: The algorithm's name, sent in ``Join.learner`` when this learner plays instead of the
    #: game's. Built-in learners use nashnet's names (``hedge``, ``bandit-hedge``, ...).
    algorithm: str = ""

    #: Its parameters by name (numbers), sent with ``algorithm``.
    params: Dict[str, float] = {}

    def start(self, view: PlayerView) -> None:
        """(Re)initialises the learner for ``view``: called before round 1 and on every reset.

        Raise ``ValueError`` if the learner cannot play this game (e.g. continuous actions).
        """

    @abc.abstractmethod
    def act(self, view: PlayerView, rng: Rng) -> ActionLike:
        """Draws this round's action with ``rng`` (one draw per round).

        Finite games: an index, ``(index, strategy)`` or an ``Action``; continuous games: a point
        or an ``Action``. The strategy (probabilities over actions) is required under full and
        noisy feedback.
        """

    @abc.abstractmethod
    def update(self, feedback: Feedback) -> None:
        """Learns from the feedback of the round just played."""

    def describe(self) -> str:
        """A one-line description (algorithm and parameters) for logs."""
        name = self.algorithm or type(self).__name__
        if not self.params:
            return name
        return name + " " + " ".join(f"{k}={v!r}" for k, v in sorted(self.params.items()))
