"""``play()``: one learner playing one seat of a game on a nashnet coordinator.

The same behaviour as ``nashnet-agent`` (``agents/remote/agent_client.cc``), over the protocol of
``proto/nashnet/v1/coordinator.proto``::

    result = nashnet.play("127.0.0.1:50051", "g1")                    # the game's own learner
    result = nashnet.play("127.0.0.1:50051", "g1", MyLearner(), seat=0,
                          state_file="seat0.state")                  # a learner of one's own
    print(result.reason, result.rounds_played, result.player.regret)

- **Join**: the seat (or the first free one), the join token, the agent's name and — when a
  learner is given — its algorithm and parameters (the record says what played). Without a
  learner the seat plays the game's learner (``Joined.learner``) with nashnet's Python port
  (``hedge``, ``hedge-lr``, ``bandit-hedge``: bit for bit the C++ learners).
- **Rounds**: lockstep, one Action per Feedback; an in-band ``Error`` is logged and play goes on.
  An ``act()`` slower than the round deadline is logged once.
- **Faults**: a broken stream, ``UNAVAILABLE`` (a draining coordinator) or an eviction is retried
  with exponential backoff (``initial_backoff_seconds`` doubling to ``max_backoff_seconds``),
  presenting the seat's resume token and the rounds the learner has absorbed, until
  ``max_retry_seconds`` pass without progress. On a resume the coordinator sends the seat's
  history and ``play`` replays it by the replay contract (one draw per round, an update unless
  substituted), after ``learner.start(view)`` with a fresh ``Rng(view.seed)`` when told to reset.
- **State file**: the game, seat and resume token (``nashnet-agent --state-file``'s JSON): a
  restarted process takes its seat back; once the game is over it returns at once.
- **GameOver**: returns a ``Result`` (reason ``completed``, ``stopped`` or ``failed``).

Errors: ``PlayError`` for the coordinator's fatal status (its gRPC code and text) or retries that
ran out, ``LearnerError`` for a learner that cannot play the game, ``ValueError`` for bad
arguments or a bad state file. Thread safety: ``play`` blocks its thread; one call per seat.
"""

from __future__ import annotations

import math
import queue
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator, Optional

import grpc

from .learner import Learner
from .learners import default_algorithm, make_learner
from .rng import Rng
from .state_file import AgentState, PathLike, load_state, save_state
from .types import Action, Feedback, PlayerView, to_action
from .v1 import coordinator_pb2 as pb
from .v1 import coordinator_pb2_grpc as pb_grpc
from .v1 import spec_pb2

_FEEDBACK_NAMES = {
    spec_pb2.FEEDBACK_MODEL_NOISY: "noisy",
    spec_pb2.FEEDBACK_MODEL_COUNTERFACTUAL: "counterfactual",
    spec_pb2.FEEDBACK_MODEL_BANDIT: "bandit",
}
_REASONS = {
    pb.GAME_OVER_REASON_COMPLETED: "completed",
    pb.GAME_OVER_REASON_STOPPED: "stopped",
    pb.GAME_OVER_REASON_DRAINING: "draining",
    pb.GAME_OVER_REASON_FAILED: "failed",
}
# A broken connection rather than the coordinator's verdict (AgentClient's Retryable): worth a
# reconnect. DEADLINE_EXCEEDED is an eviction: retried only with a resume token.
_RETRYABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED, grpc.StatusCode.UNKNOWN,
              grpc.StatusCode.INTERNAL}


class PlayError(Exception):
    """The coordinator ended the game for this agent (a fatal gRPC status), or retries ran out."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message


class LearnerError(ValueError):
    """The learner cannot play the joined game (wrong action set, feedback model, parameters)."""


@dataclass
class Result:
    """What an agent saw of its game."""

    game_id: str
    seat: int = -1
    algorithm: str = ""  # the learner that played
    reason: str = ""  # completed, stopped or failed ("" if already_over)
    rounds_played: int = 0
    message: str = ""  # GameOver.message (why it failed)
    summary: Optional[pb.GameSummary] = None  # the game's summary (every player)
    feedback_rounds: int = 0  # Feedback messages received
    updates: int = 0  # learner updates (rounds that were not substituted)
    substituted_rounds: int = 0  # Feedback with `substituted` set
    errors: int = 0  # in-band Errors received
    reconnects: int = 0  # re-joins after a broken stream
    replayed_rounds: int = 0  # History rounds replayed
    resets: int = 0  # times the learner restarted from its seed on a resume
    already_over: bool = False  # the state file said the game had ended: nothing was played
    learner: Optional[Learner] = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        """The game ended normally (completed or stopped), or was already over."""
        return self.already_over or self.reason in ("completed", "stopped")

    @property
    def player(self) -> Optional[pb.PlayerSummary]:
        """This seat's line of the summary (regret, average payoff, ...), if there is one."""
        if self.summary is None or not 0 <= self.seat < len(self.summary.players):
            return None
        return self.summary.players[self.seat]


@dataclass(frozen=True)
class Joined:
    """What ``on_joined`` receives after every Joined (the first and each resume)."""

    game_id: str
    seat: int
    view: PlayerView
    round_deadline_ms: int
    resume: bool  # a resume (a reconnect, or a restart with a state file)
    replay_from: int  # first history round (0: none)
    next_round: int
    reset: bool


def view_from_proto(view: pb.PlayerView) -> PlayerView:
    """The protocol's PlayerView as a ``PlayerView``; ValueError naming the bad field."""
    if view.num_players < 1:
        raise ValueError(f"view.num_players: {view.num_players} (a game has at least one player)")
    if not 0 <= view.player < view.num_players:
        raise ValueError(f"view.player: {view.player} is not a player of a "
                         f"{view.num_players}-player game")
    if view.num_actions < 0:
        raise ValueError(f"view.num_actions: {view.num_actions} is negative")
    lower, upper = tuple(view.box.lower), tuple(view.box.upper)
    if len(lower) != len(upper):
        raise ValueError(f"view.box: lower has {len(lower)} values, upper {len(upper)}")
    if view.num_actions > 0 and lower:
        raise ValueError(f"view.box: a finite game (num_actions {view.num_actions}) has no box")
    if view.num_actions == 0 and not lower:
        raise ValueError("view.box: a continuous game (num_actions 0) needs a non-empty box")
    if not all(math.isfinite(v) for v in lower + upper) or any(
            lo > hi for lo, hi in zip(lower, upper)):
        raise ValueError(f"view.box: [{lower}, {upper}] is not a box")
    if not (math.isfinite(view.payoff_min) and math.isfinite(view.payoff_max)
            and view.payoff_min <= view.payoff_max):
        raise ValueError(f"view.payoff_min/payoff_max: [{view.payoff_min}, {view.payoff_max}] is "
                         "not a finite range")
    if view.horizon < 0:
        raise ValueError(f"view.horizon: {view.horizon} is negative")
    return PlayerView(player=view.player, num_players=view.num_players,
                      num_actions=view.num_actions, box_lower=lower, box_upper=upper,
                      payoff_min=view.payoff_min, payoff_max=view.payoff_max,
                      feedback=_FEEDBACK_NAMES.get(view.feedback, "full"),
                      horizon=view.horizon, seed=view.seed)


def action_to_proto(round_: int, action: Action, out: pb.Action) -> None:
    """Fills ``out`` (an Action message) with ``action`` for round ``round_``."""
    out.Clear()
    out.round = round_
    if action.point is not None:
        out.point.coordinates.extend(float(c) for c in action.point)
    else:
        out.index = int(action.index if action.index is not None else -1)
    if action.strategy is not None:
        out.strategy.probabilities.extend(float(p) for p in action.strategy)
        if action.cell_lower is not None:
            out.strategy.cell_lower.extend(float(c) for c in action.cell_lower)
        if action.cell_upper is not None:
            out.strategy.cell_upper.extend(float(c) for c in action.cell_upper)
    if action.probability is not None and math.isfinite(action.probability):
        out.probability = float(action.probability)


def _requests(outbox: "queue.SimpleQueue[Optional[pb.AgentMessage]]") -> Iterator[
        pb.AgentMessage]:
    while True:
        message = outbox.get()
        if message is None:
            return
        yield message


class _ProtocolError(Exception):
    """The coordinator broke the protocol (a fatal error, not retried)."""


class _Player:
    """The state of one seat across connections (AgentClient's, in Python)."""

    def __init__(self, coordinator: str, game: str, learner: Optional[Learner], *,
                 seat: Optional[int], name: str, join_token: str, resume_token: str,
                 state_file: Optional[PathLike], max_message_bytes: int,
                 credentials: Optional[grpc.ChannelCredentials], tls_server_name: str,
                 on_joined: Optional[Callable[[Joined], None]],
                 log: Callable[[str], None]) -> None:
        self.coordinator, self.game, self.seat = coordinator, game, seat
        self.own_learner = learner
        self.name, self.join_token = name, join_token
        self.state_file = state_file
        self.max_message_bytes = max_message_bytes
        self.credentials, self.tls_server_name = credentials, tls_server_name
        self.on_joined, self.log = on_joined, log
        self.result = Result(game_id=game, algorithm=learner.algorithm if learner else "")
        self.resume_token = resume_token
        self.learner: Optional[Learner] = None
        self.rng: Optional[Rng] = None
        self.view: Optional[PlayerView] = None
        self.deadline_ms = 0
        self.pending_round = 0  # the round of the last Action sent without Feedback yet
        self.learner_round = 0  # the last round whose feedback the learner absorbed
        self.next_round = 0
        self.replaying = False
        self.started_seen = False
        self.started = False
        self.game_over = False
        self.dropped_resume = False
        self.slow_logged = False
        self.action_message = pb.AgentMessage()
        self.outbox: "queue.SimpleQueue[Optional[pb.AgentMessage]]" = queue.SimpleQueue()

    # ---- one connection ------------------------------------------------------------------

    def _channel(self) -> grpc.Channel:
        options = [("grpc.max_receive_message_length", self.max_message_bytes),
                   ("grpc.max_send_message_length", self.max_message_bytes)]
        if self.credentials is None:
            return grpc.insecure_channel(self.coordinator, options=options)
        if self.tls_server_name:
            options.append(("grpc.ssl_target_name_override", self.tls_server_name))
        return grpc.secure_channel(self.coordinator, self.credentials, options=options)

    def session(self) -> tuple[bool, Optional[grpc.StatusCode], str]:
        """One connection: Join, then play until GameOver or the stream breaks.

        Returns (joined, code, details): code None after GameOver.
        """
        join = pb.Join(game_id=self.game, agent_name=self.name, join_token=self.join_token,
                       resume_token=self.resume_token,
                       learner_round=self.learner_round if self.learner else 0)
        if self.seat is not None:
            join.seat = self.seat
        if self.own_learner is not None:
            algorithm = self.own_learner.algorithm or type(self.own_learner).__name__
            join.algorithm = algorithm
            join.learner.algorithm = algorithm
            for key, value in self.own_learner.params.items():
                join.learner.params[key] = float(value)
        self.replaying = False
        self.outbox = queue.SimpleQueue()
        self.outbox.put(pb.AgentMessage(join=join))
        joined = False
        channel = self._channel()
        call = pb_grpc.CoordinatorStub(channel).Play(_requests(self.outbox))
        try:
            for message in call:
                kind = message.WhichOneof("kind")
                if kind == "joined":
                    if joined:
                        raise _ProtocolError("protocol: a second Joined on one stream")
                    joined = True
                    self._on_joined(message.joined)
                elif kind == "start":
                    self.started = True
                    if (self.learner is not None and not self.replaying
                            and self.pending_round != message.start.round):
                        self._act(message.start.round)
                elif kind == "history":
                    self._on_history(message.history)
                elif kind == "feedback":
                    self._on_feedback(message.feedback)
                elif kind == "game_over":
                    self._on_game_over(message.game_over)
                elif kind == "error":
                    error = message.error
                    self.result.errors += 1
                    code = next((c.name for c in grpc.StatusCode if c.value[0] == error.code),
                                str(error.code))
                    self.log(f"round {error.round}: coordinator error {code}: {error.message}")
                else:
                    self.log("ignoring an empty message from the coordinator")
            if self.game_over:
                return joined, None, ""
            return joined, grpc.StatusCode.UNAVAILABLE, "the stream ended without GameOver"
        except grpc.RpcError as e:
            if self.game_over:  # the game ended; a late transport fault is moot
                return joined, None, ""
            return joined, e.code(), e.details() or ""
        except BaseException:
            call.cancel()  # leaves the seat to another agent
            raise
        finally:
            self.outbox.put(None)
            channel.close()

    def _send(self, message: pb.AgentMessage) -> None:
        self.outbox.put(message)

    # ---- the protocol --------------------------------------------------------------------

    def _build_learner(self, joined: pb.Joined) -> None:
        assert self.view is not None
        if self.own_learner is not None:
            learner = self.own_learner
        else:
            algorithm = joined.learner.algorithm or default_algorithm(self.view)
            try:
                learner = make_learner(algorithm, dict(joined.learner.params))
            except ValueError as e:
                raise LearnerError(f"the game's learner: {e}") from e
        try:
            learner.start(self.view)
        except ValueError as e:
            raise LearnerError(str(e)) from e
        self.learner = learner
        self.result.learner = learner
        self.result.algorithm = learner.algorithm or type(learner).__name__
        self.rng = Rng(self.view.seed)
        self.learner_round = 0
        self.pending_round = 0

    def _on_joined(self, joined: pb.Joined) -> None:
        self.result.seat = joined.seat
        self.seat = joined.seat
        self.resume_token = joined.resume_token
        if joined.game_id:
            self.result.game_id = joined.game_id
        resume = self.learner is not None
        if self.learner is None:
            try:
                self.view = view_from_proto(joined.view)
            except ValueError as e:
                raise _ProtocolError(f"Joined from the coordinator: {e}") from e
            self.deadline_ms = joined.round_deadline_ms
            self._build_learner(joined)
        else:
            self.result.reconnects += 1
            if joined.reset:
                # Our learner is ahead of the coordinator's journal: start again from the seed.
                self._build_learner(joined)
                self.result.resets += 1
        self._save_state(finished=False)
        if self.on_joined is not None:
            assert self.view is not None
            self.on_joined(Joined(game_id=self.result.game_id, seat=joined.seat, view=self.view,
                                  round_deadline_ms=joined.round_deadline_ms,
                                  resume=resume or joined.replay_from > 0,
                                  replay_from=joined.replay_from, next_round=joined.next_round,
                                  reset=joined.reset))
        self.started_seen = joined.started
        self.next_round = joined.next_round
        if joined.replay_from > 0:
            if joined.replay_from != self.learner_round + 1:
                raise _ProtocolError(f"protocol: history from round {joined.replay_from} but the "
                                     f"learner has absorbed {self.learner_round} rounds")
            self.replaying = True  # History messages follow; play goes on after the last one
            return
        if not joined.started:
            return  # Start follows
        self.started = True
        self._continue(self.next_round)

    def _on_history(self, history: pb.History) -> None:
        if self.learner is None or not self.replaying:
            raise _ProtocolError("protocol: History without a Joined that announced it")
        for past in history.rounds:
            if past.round != self.learner_round + 1 or past.feedback.round != past.round:
                raise _ProtocolError(f"protocol: history round {past.round} after round "
                                     f"{self.learner_round}")
            self._absorb(past.feedback)
            self.result.replayed_rounds += 1
        if not history.last:
            return
        self.replaying = False
        if not self.started_seen:
            return  # Start follows
        self.started = True
        self._continue(self.next_round)

    def _on_feedback(self, feedback: pb.Feedback) -> None:
        if self.learner is None or self.replaying:
            raise _ProtocolError("protocol: Feedback before Joined" if self.learner is None
                                 else "protocol: Feedback during History")
        if feedback.round <= self.learner_round:
            return  # stale, already absorbed
        if feedback.round != self.learner_round + 1:
            raise _ProtocolError(f"protocol: Feedback for round {feedback.round} after round "
                                 f"{self.learner_round}")
        self.result.feedback_rounds += 1
        self._absorb(feedback)
        self._continue(feedback.round + 1)

    def _on_game_over(self, over: pb.GameOver) -> None:
        self.game_over = True
        self.result.reason = _REASONS.get(over.reason, "failed")
        self.result.rounds_played = over.rounds_played
        self.result.message = over.message
        self.result.summary = over.summary
        self.outbox.put(None)  # half-close: nothing more to say
        try:
            self._save_state(finished=True)
        except ValueError as e:
            self.log(str(e))

    def _absorb(self, feedback: pb.Feedback) -> None:
        """Round ``feedback.round``'s feedback: one draw if none was made, an update unless
        substituted (the replay contract)."""
        assert self.learner is not None and self.view is not None
        if self.pending_round != feedback.round:
            # No action was drawn for this round in this process: draw it now, so that the
            # learner's RNG stays where the original agent's was.
            self.learner.act(self.view, self.rng)  # type: ignore[arg-type]
        if feedback.substituted:
            # The straggler policy played for us: not our draw, so not learned from.
            self.result.substituted_rounds += 1
        else:
            which = feedback.WhichOneof("played")
            self.learner.update(Feedback(
                round=feedback.round, payoff=feedback.payoff,
                payoff_vector=list(feedback.payoff_vector),
                index=feedback.index if which == "index" else None,
                point=list(feedback.point.coordinates) if which == "point" else None))
            self.result.updates += 1
        self.learner_round = feedback.round
        self.pending_round = 0

    def _continue(self, next_round: int) -> None:
        assert self.view is not None
        if self.view.horizon > 0 and next_round > self.view.horizon:
            return  # GameOver follows
        if next_round == self.pending_round:
            # The coordinator may not have got it: resend the same draw (a new act() would move
            # the learner's RNG and break the reproducible trajectory).
            self._send(self.action_message)
            return
        self._act(next_round)

    def _act(self, round_: int) -> None:
        assert self.learner is not None and self.view is not None
        began = time.monotonic()
        try:
            action = to_action(self.learner.act(self.view, self.rng),  # type: ignore[arg-type]
                               self.view)
        except ValueError as e:
            raise LearnerError(f"round {round_}: {e}") from e
        message = pb.AgentMessage()
        action_to_proto(round_, action, message.action)
        self.action_message = message
        self.pending_round = round_
        self._send(message)
        took_ms = (time.monotonic() - began) * 1000
        if self.deadline_ms > 0 and took_ms > self.deadline_ms and not self.slow_logged:
            self.slow_logged = True
            self.log(f"round {round_}: act() took {took_ms:.0f} ms, beyond the round deadline of "
                     f"{self.deadline_ms} ms (the straggler policy plays late rounds)")

    def _save_state(self, finished: bool) -> None:
        if self.state_file is None:
            return
        reason = ""
        if finished:
            reason = self.result.reason if self.result.reason in ("completed",
                                                                  "stopped") else "failed"
        save_state(self.state_file, AgentState(
            game_id=self.result.game_id, seat=self.result.seat, resume_token=self.resume_token,
            finished=finished, reason=reason))


def _is_tls_failure(code: grpc.StatusCode, details: str) -> bool:
    """A failed TLS handshake (wrong CA, wrong name), as gRPC reports it (nashnet-agent's test)."""
    text = details.lower()
    return code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.UNKNOWN) and (
        "handshake failed" in text or "ssl_error" in text or "not in peer certificate" in text)


def _stderr_log(line: str) -> None:
    print(f"nashnet: {line}", file=sys.stderr, flush=True)


def play(coordinator: str, game: str, learner: Optional[Learner] = None, *,
         seat: Optional[int] = None, name: str = "nashnet-python", join_token: str = "",
         resume_token: str = "", state_file: Optional[PathLike] = None,
         max_retry_seconds: float = 300.0, initial_backoff_seconds: float = 0.1,
         max_backoff_seconds: float = 5.0, max_message_bytes: int = 4 << 20,
         root_certificates: Optional[bytes] = None, private_key: Optional[bytes] = None,
         certificate_chain: Optional[bytes] = None, tls_server_name: str = "",
         on_joined: Optional[Callable[[Joined], None]] = None,
         log: Optional[Callable[[str], None]] = None) -> Result:
    """Plays one seat of game ``game`` on the coordinator at ``coordinator`` (HOST:PORT) to its end.

    Args:
      learner: the learner to play (its ``algorithm`` and ``params`` go to Join); None plays the
        game's learner (``Joined.learner``) with nashnet's Python port of it.
      seat: 0-based; None takes the first free remote seat.
      state_file: keeps game, seat and resume token across processes (see ``state_file``).
      max_retry_seconds, initial_backoff_seconds, max_backoff_seconds: reconnecting.
      root_certificates, private_key, certificate_chain: TLS (PEM bytes, as
        ``grpc.ssl_channel_credentials`` takes them): any of them set makes the channel TLS, with
        the root certificates to verify the coordinator (None: the system's) and an optional
        client certificate. ``tls_server_name`` overrides the name the certificate is checked
        against.
      on_joined: called after every Joined (the first and each resume).
      log: receives a line per notable event (Errors, reconnects); default stderr.

    Returns the ``Result`` at GameOver (``reason`` completed, stopped or failed). Raises
    ``PlayError`` (a fatal status from the coordinator, or retries that ran out), ``LearnerError``
    (the learner cannot play this game) or ``ValueError`` (bad arguments, a bad state file).
    """
    if not coordinator:
        raise ValueError("coordinator: must not be empty")
    if not game:
        raise ValueError("game: must not be empty")
    if seat is not None and seat < 0:
        raise ValueError(f"seat: {seat} is negative")
    for label, seconds in (("max_retry_seconds", max_retry_seconds),
                           ("initial_backoff_seconds", initial_backoff_seconds),
                           ("max_backoff_seconds", max_backoff_seconds)):
        if not (math.isfinite(seconds) and seconds >= 0):
            raise ValueError(f"{label}: {seconds} is not a non-negative number of seconds")
    if not 0 < initial_backoff_seconds <= max_backoff_seconds:
        raise ValueError(f"initial_backoff_seconds: {initial_backoff_seconds} must be in "
                         f"(0, max_backoff_seconds = {max_backoff_seconds}]")
    if max_message_bytes < 1024:
        raise ValueError(f"max_message_bytes: {max_message_bytes} is below 1 KiB")
    if learner is not None and not isinstance(learner, Learner):
        raise ValueError(f"learner: {learner!r} is not a nashnet.Learner")
    credentials = None
    if root_certificates is not None or private_key is not None or certificate_chain is not None:
        if (private_key is None) != (certificate_chain is None):
            raise ValueError("private_key and certificate_chain: give both or neither")
        credentials = grpc.ssl_channel_credentials(root_certificates=root_certificates,
                                                   private_key=private_key,
                                                   certificate_chain=certificate_chain)
    log = log or _stderr_log

    if state_file is not None:
        state = load_state(state_file)
        if state is not None:
            if state.game_id != game:
                raise ValueError(f"--state-file {state_file}: it is for game {state.game_id}, "
                                 f"not {game} (use another file)")
            if seat is not None and seat != state.seat:
                raise ValueError(f"--state-file {state_file}: it holds seat {state.seat}, "
                                 f"not {seat}")
            seat = state.seat
            if state.finished:
                log(f"game {state.game_id} seat {state.seat} is already over ({state.reason}, "
                    f"says {state_file})")
                return Result(game_id=game, seat=state.seat, already_over=True)
            if state.resume_token:
                resume_token = state.resume_token

    player = _Player(coordinator, game, learner, seat=seat, name=name, join_token=join_token,
                     resume_token=resume_token, state_file=state_file,
                     max_message_bytes=max_message_bytes, credentials=credentials,
                     tls_server_name=tls_server_name, on_joined=on_joined, log=log)
    if state_file is not None and seat is not None:
        player.result.seat = seat
    backoff = initial_backoff_seconds
    failing_since = time.monotonic()  # start of the current run of failures
    while True:
        rounds_before = player.result.feedback_rounds
        try:
            joined, code, details = player.session()
        except _ProtocolError as e:
            raise PlayError(grpc.StatusCode.INTERNAL, str(e)) from e
        if player.game_over:
            return player.result
        if joined and player.result.feedback_rounds > rounds_before:
            # The connection worked and the game moved: a new window of retries starts now.
            failing_since = time.monotonic()
            backoff = initial_backoff_seconds
        assert code is not None
        if (code == grpc.StatusCode.INVALID_ARGUMENT and not player.started
                and not player.dropped_resume and player.resume_token
                and details.startswith("join.resume_token")):
            # Before the start a coordinator may have freed a vanished agent's seat (and token).
            player.dropped_resume = True
            log(f"resume token refused before the start ({code.name}: {details}); joining "
                "without it")
            player.resume_token = ""
            continue
        if credentials is not None and _is_tls_failure(code, details):
            raise PlayError(code, f"TLS handshake failed: {details}")  # retrying cannot help
        retryable = code in _RETRYABLE or (code == grpc.StatusCode.DEADLINE_EXCEEDED
                                           and bool(player.resume_token))
        if not retryable:
            raise PlayError(code, details)
        waited = time.monotonic() - failing_since
        if waited >= max_retry_seconds:
            raise PlayError(grpc.StatusCode.UNAVAILABLE,
                            f"gave up after {max_retry_seconds:g} s of retries; last: "
                            f"{code.name}: {details}")
        wait = min(backoff, max_retry_seconds - waited)
        log(f"connection to {coordinator}: {code.name}: {details}; retrying in "
            f"{round(wait * 1000)} ms")
        time.sleep(wait)
        backoff = min(2 * backoff, max_backoff_seconds)
