"""nashnet: write a learner in Python and play it on a nashnet coordinator.

    import nashnet

    class MyLearner(nashnet.Learner):
        algorithm = "my-learner"
        def start(self, view): ...                      # (re)initialise for the player's view
        def act(self, view, rng): ...                   # -> index, (index, strategy), or Action
        def update(self, feedback): ...                 # the round's Feedback

    result = nashnet.play("127.0.0.1:50051", "g1", MyLearner(), state_file="seat.state")

Without a learner, ``play`` runs the game's own learner with nashnet's Python port of it (Hedge,
learning-rate Hedge, bandit Hedge: the C++ learners' records byte for byte). The protocol's
generated messages are ``nashnet.v1.coordinator_pb2`` and ``nashnet.v1.spec_pb2``.
"""

from .client import Joined, LearnerError, PlayError, Result, play
from .gibbs import PowerSchedule, gibbs_from_shifted, sample_index
from .learner import Learner
from .learners import (ALGORITHMS, BanditHedgeLearner, HedgeLearner, HedgeLrLearner,
                       default_algorithm, make_learner)
from .rng import Rng, mix_seed
from .state_file import AgentState, load_state, save_state
from .types import Action, Feedback, PlayerView

__version__ = "0.1.0"

__all__ = [
    "ALGORITHMS", "Action", "AgentState", "BanditHedgeLearner", "Feedback", "HedgeLearner",
    "HedgeLrLearner", "Joined", "Learner", "LearnerError", "PlayError", "PlayerView",
    "PowerSchedule", "Result", "Rng", "default_algorithm", "gibbs_from_shifted", "load_state",
    "make_learner", "mix_seed", "play", "sample_index", "save_state",
]
