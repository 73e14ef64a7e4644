#!/usr/bin/python3
"""A Hedge agent for a nashnet coordinator, in pure Python (grpcio + the generated stubs).

It joins a game over Coordinator.Play, plays Hedge in its step-size form (ALGORITHMS.md):

    Y(1) = 0,   x(t) = softmax(Y(t)),   a(t) ~ x(t),   Y(t+1) = Y(t) + gamma_t * v(t),
    gamma_t = gamma0 / t**beta

with full-information feedback (it sends its probability vector x(t) with each action and learns
from the payoff vector v(t) of each Feedback), and prints a summary at GameOver.

    /usr/bin/python3 examples/python/nashnet_agent.py --coordinator 127.0.0.1:50051 --game g1 \\
        --stubs build/release/python [--seat 0] [--eta 0.1 | --gamma0 0.1 --beta 0.6]

Exit codes: 0 the game ended (completed, stopped, draining); 1 a fatal status from the
coordinator or a failed game (the message names the code and the coordinator's text); 2 bad
flags or a game this agent cannot play (continuous actions or bandit feedback).
"""

import argparse
import math
import os
import queue
import random
import sys

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def fail(message, code):
    print(f"nashnet_agent.py: error: {message}", file=sys.stderr, flush=True)
    return code


def load_stubs(stubs_dir):
    """Imports grpc and the generated nashnet.v1 modules (from --stubs or PYTHONPATH)."""
    if stubs_dir:
        if not os.path.isdir(os.path.join(stubs_dir, "nashnet", "v1")):
            raise ImportError(f"--stubs: {stubs_dir} has no nashnet/v1 (build the "
                              "nashnet_python_stubs target)")
        sys.path.insert(0, stubs_dir)
    import grpc  # noqa: F401  (Debian's python3-grpcio)
    from nashnet.v1 import coordinator_pb2, coordinator_pb2_grpc, spec_pb2
    return grpc, coordinator_pb2, coordinator_pb2_grpc, spec_pb2


def softmax(scores):
    top = max(scores)
    weights = [math.exp(s - top) for s in scores]
    total = sum(weights)
    return [w / total for w in weights]


class Hedge:
    """Hedge (step-size form) over n actions; its own seeded RNG draws the actions."""

    def __init__(self, n, gamma0, beta, seed):
        self.scores = [0.0] * n
        self.gamma0, self.beta = gamma0, beta
        self.t = 1
        self.strategy = softmax(self.scores)
        self.rng = random.Random(seed)

    def act(self):
        u = self.rng.random()
        cumulative = 0.0
        for index, p in enumerate(self.strategy):
            cumulative += p
            if u < cumulative:
                return index
        return len(self.strategy) - 1

    def update(self, payoff_vector):
        gamma = self.gamma0 / self.t ** self.beta
        self.t += 1
        if len(payoff_vector) != len(self.scores):
            return
        step = [gamma * v for v in payoff_vector]
        if not all(math.isfinite(s) for s in step):
            return
        self.scores = [y + s for y, s in zip(self.scores, step)]
        self.strategy = softmax(self.scores)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="nashnet_agent.py", description="A Hedge agent for a nashnet coordinator.")
    parser.add_argument("--coordinator", required=True, help="coordinator address HOST:PORT")
    parser.add_argument("--game", required=True, help="game id")
    parser.add_argument("--seat", type=int, help="seat (0-based); default the first free one")
    parser.add_argument("--eta", type=float,
                        help="constant step size (same as --gamma0 ETA --beta 0)")
    parser.add_argument("--gamma0", type=float,
                        help="step size scale (default 0.1 / payoff range)")
    parser.add_argument("--beta", type=float,
                        help="step size decay gamma_t = gamma0 / t^beta (default 0 for full "
                             "feedback, 0.6 for noisy or counterfactual)")
    parser.add_argument("--name", default="python-hedge", help="agent name")
    parser.add_argument("--join-token", default="", help="the game's join token")
    parser.add_argument("--resume-token", default="", help="take back the seat of this token")
    parser.add_argument("--stubs", help="folder of the generated stubs (<build>/python); "
                                        "default: PYTHONPATH")
    parser.add_argument("--quiet", action="store_true", help="no summary on stdout")

    class UsageError(Exception):
        pass

    def error(message):
        raise UsageError(message)

    parser.error = error
    try:
        args = parser.parse_args(argv)
    except UsageError as e:
        return None, str(e)
    if args.seat is not None and args.seat < 0:
        return None, f"--seat: {args.seat} is not a seat (0, 1, ...)"
    if args.eta is not None and (args.gamma0 is not None or args.beta is not None):
        return None, "--eta: give either --eta or --gamma0/--beta"
    for flag, value in (("--eta", args.eta), ("--gamma0", args.gamma0)):
        if value is not None and not (math.isfinite(value) and value > 0):
            return None, f"{flag}: {value} must be a finite number > 0"
    if args.beta is not None and not (0 <= args.beta <= 1):
        return None, f"--beta: {args.beta} must be in [0, 1]"
    return args, None


def requests(outbox):
    """The request stream: messages put in `outbox` until None."""
    while True:
        message = outbox.get()
        if message is None:
            return
        yield message


def main(argv):
    args, usage = parse_args(argv)
    if usage:
        return fail(usage, EXIT_USAGE)
    try:
        grpc, pb, pb_grpc, spec_pb2 = load_stubs(args.stubs)
    except ImportError as e:
        return fail(f"cannot load grpc or the nashnet stubs: {e}", EXIT_USAGE)

    channel = grpc.insecure_channel(args.coordinator)
    stub = pb_grpc.CoordinatorStub(channel)
    outbox = queue.SimpleQueue()
    join = pb.Join(game_id=args.game, agent_name=args.name, algorithm="hedge",
                   join_token=args.join_token, resume_token=args.resume_token)
    if args.seat is not None:
        join.seat = args.seat
    outbox.put(pb.AgentMessage(join=join))
    replies = stub.Play(requests(outbox))

    hedge, view, seat, horizon = None, None, -1, 0
    game_id = args.game
    game_over = None
    updates = substituted = errors = 0
    # The replay contract (coordinator.proto): one draw per round, an update unless substituted.
    state = {"pending": 0, "absorbed": 0, "replaying": False, "next": 0, "started": False}

    def act(round_):
        index = hedge.act()
        state["pending"] = round_
        action = pb.Action(round=round_, index=index, probability=hedge.strategy[index])
        action.strategy.probabilities.extend(hedge.strategy)
        outbox.put(pb.AgentMessage(action=action))

    def absorb(feedback):
        nonlocal updates, substituted
        if state["pending"] != feedback.round:
            hedge.act()  # the round's draw, made now (the original agent made it then)
        if feedback.substituted:
            # The straggler policy played for us: not our draw, do not learn from it.
            substituted += 1
        else:
            hedge.update(list(feedback.payoff_vector))
            updates += 1
        state["absorbed"], state["pending"] = feedback.round, 0

    try:
        for message in replies:
            kind = message.WhichOneof("kind")
            if kind == "joined":
                joined = message.joined
                view, seat, game_id = joined.view, joined.seat, joined.game_id or game_id
                horizon = view.horizon
                print(f"nashnet_agent.py: joined game {game_id} seat {seat}", file=sys.stderr,
                      flush=True)
                if view.num_actions <= 0:
                    outbox.put(None)
                    replies.cancel()
                    return fail(f"game {game_id} has continuous actions; this agent plays "
                                "finite games only", EXIT_USAGE)
                if view.feedback == spec_pb2.FEEDBACK_MODEL_BANDIT:
                    outbox.put(None)
                    replies.cancel()
                    return fail(f"game {game_id} has bandit feedback; Hedge needs payoff "
                                "vectors (full, noisy or counterfactual)", EXIT_USAGE)
                width = view.payoff_max - view.payoff_min
                full = view.feedback in (spec_pb2.FEEDBACK_MODEL_FULL,
                                         spec_pb2.FEEDBACK_MODEL_UNSPECIFIED)
                if args.eta is not None:
                    gamma0, beta = args.eta, 0.0
                else:
                    gamma0 = args.gamma0 if args.gamma0 is not None else \
                        0.1 / (width if math.isfinite(width) and width > 0 else 1.0)
                    beta = args.beta if args.beta is not None else (0.0 if full else 0.6)
                if hedge is None or joined.reset:
                    hedge = Hedge(view.num_actions, gamma0, beta, view.seed)
                    state["pending"] = state["absorbed"] = 0
                state["next"], state["started"] = joined.next_round, joined.started
                state["replaying"] = joined.replay_from > 0
                if state["replaying"]:
                    continue  # History messages follow
                if joined.started and (horizon == 0 or joined.next_round <= horizon):
                    act(joined.next_round)
            elif kind == "history":
                for past in message.history.rounds:
                    absorb(past.feedback)
                if message.history.last:
                    state["replaying"] = False
                    nxt = state["next"]
                    if state["started"] and (horizon == 0 or nxt <= horizon):
                        act(nxt)
            elif kind == "start":
                act(message.start.round)
            elif kind == "feedback":
                feedback = message.feedback
                if feedback.round <= state["absorbed"]:
                    continue  # already replayed
                absorb(feedback)
                if horizon == 0 or feedback.round < horizon:
                    act(feedback.round + 1)
            elif kind == "error":
                errors += 1
                error = message.error
                code = grpc.StatusCode
                name = next((c.name for c in code if c.value[0] == error.code), str(error.code))
                print(f"nashnet_agent.py: round {error.round}: coordinator error {name}: "
                      f"{error.message}", file=sys.stderr, flush=True)
            elif kind == "game_over":
                game_over = message.game_over
                outbox.put(None)
    except grpc.RpcError as e:
        outbox.put(None)
        if game_over is None:
            return fail(f"{e.code().name}: {e.details()}", EXIT_FAILED)
    outbox.put(None)
    if game_over is None:
        return fail("the stream ended without GameOver", EXIT_FAILED)

    reason = pb.GameOverReason.Name(game_over.reason).replace("GAME_OVER_REASON_", "").lower()
    if not args.quiet:
        players = game_over.summary.players
        payoff = regret = "-"
        if 0 <= seat < len(players):
            payoff, regret = repr(players[seat].average_payoff), repr(players[seat].regret)
        strategy = " ".join(f"{p:.4f}" for p in hedge.strategy)
        print(f"nashnet_agent.py: game {game_id} seat {seat} {reason}: "
              f"{game_over.rounds_played} rounds, average payoff {payoff}, regret {regret}, "
              f"strategy [{strategy}], updates {updates}, substituted {substituted}, "
              f"errors {errors}", flush=True)
    if game_over.reason == pb.GAME_OVER_REASON_FAILED:
        return fail(f"game {game_id} failed: {game_over.message}", EXIT_FAILED)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
