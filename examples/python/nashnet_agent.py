#!/usr/bin/python3
"""A nashnet agent in Python, on the nashnet SDK (python/, `pip install ./python`).

By default it plays the game's own learner (Joined.learner) with the SDK's Python port of
nashnet's learners — Hedge, learning-rate Hedge, bandit Hedge, bit for bit the C++ ones — or a
built-in one of your choice (--algorithm/--param). With --learner regret-matching it plays
RegretMatching below: the template for a learner of your own.

    .venv/bin/python examples/python/nashnet_agent.py --coordinator 127.0.0.1:50051 --game g1 \\
        [--seat 0] [--state-file seat0.state] [--learner regret-matching]

Exit codes: 0 the game ended (completed or stopped, or was already over); 1 a fatal status from
the coordinator or a failed game; 2 bad flags; 77 this agent cannot play this game (e.g. a
continuous game, whose learners kernel-da and hda are C++ only: `nashnet conformance` shows such
scenarios as skipped).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional

import nashnet

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNSUPPORTED = 0, 1, 2, 77


class RegretMatching(nashnet.Learner):
    """Regret matching (Hart & Mas-Colell): play each action with probability proportional to
    its positive cumulative regret. Needs payoff vectors (full, noisy, counterfactual feedback)."""

    algorithm = "regret-matching"

    def start(self, view: nashnet.PlayerView) -> None:
        if not view.finite or view.feedback == "bandit":
            raise ValueError("regret-matching needs a finite game and payoff vectors")
        self.regrets = [0.0] * view.num_actions
        self.x = [1.0 / view.num_actions] * view.num_actions

    def act(self, view: nashnet.PlayerView, rng: nashnet.Rng):
        return nashnet.sample_index(self.x, rng.uniform()), list(self.x)  # (action, strategy)

    def update(self, feedback: nashnet.Feedback) -> None:
        v = feedback.payoff_vector
        expected = sum(p * value for p, value in zip(self.x, v))
        self.regrets = [r + value - expected for r, value in zip(self.regrets, v)]
        positive = [max(r, 0.0) for r in self.regrets]
        total = sum(positive)
        n = len(positive)
        self.x = [r / total for r in positive] if total > 0 else [1.0 / n] * n


def parse_args(argv: List[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="nashnet_agent.py",
                                     description="Play one seat of a nashnet game in Python.")
    parser.add_argument("--coordinator", required=True, help="coordinator address HOST:PORT")
    parser.add_argument("--game", required=True, help="game id")
    parser.add_argument("--seat", type=int, help="seat (0-based); default the first free one")
    parser.add_argument("--state-file", help="keep game, seat and resume token here (0600)")
    parser.add_argument("--learner", choices=["game", "regret-matching"], default="game",
                        help="the game's learner (default) or the RegretMatching example")
    parser.add_argument("--algorithm", help="a built-in learner instead: hedge, hedge-lr, "
                                            "bandit-hedge")
    parser.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                        help="its parameters (repeatable)")
    parser.add_argument("--name", default="nashnet_agent.py", help="agent name")
    parser.add_argument("--join-token-file", help="the game's join token, from this file "
                                                  "(default: $NASHNET_JOIN_TOKEN)")
    parser.add_argument("--resume-token", default="", help="take back the seat of this token")
    parser.add_argument("--tls-ca", help="TLS: verify the coordinator against this CA (PEM)")
    parser.add_argument("--tls-cert", help="TLS: client certificate (PEM), with --tls-key")
    parser.add_argument("--tls-key", help="TLS: the private key of --tls-cert (PEM)")
    parser.add_argument("--tls-server-name", default="", help="TLS: the certificate's name")
    parser.add_argument("--max-retry-seconds", type=float, default=300.0,
                        help="give up reconnecting after this long without progress")
    parser.add_argument("--quiet", action="store_true", help="no summary, no reconnect notes")
    return parser.parse_args(argv)


def read(path: Optional[str]) -> Optional[bytes]:
    if path is None:
        return None
    with open(path, "rb") as f:
        return f.read()


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    prog = "nashnet_agent.py"
    try:
        learner: Optional[nashnet.Learner] = None
        if args.learner == "regret-matching":
            learner = RegretMatching()
        elif args.algorithm:
            params = {}
            for text in args.param:
                key, eq, value = text.partition("=")
                if not eq or not key:
                    raise ValueError(f"--param '{text}': expected KEY=VALUE")
                params[key] = float(value)
            learner = nashnet.make_learner(args.algorithm, params)
        join_token = os.environ.get("NASHNET_JOIN_TOKEN", "")
        if args.join_token_file:
            join_token = read(args.join_token_file).decode().strip()  # type: ignore[union-attr]
        tls = dict(root_certificates=read(args.tls_ca), certificate_chain=read(args.tls_cert),
                   private_key=read(args.tls_key), tls_server_name=args.tls_server_name)
    except (ValueError, OSError) as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return EXIT_USAGE

    def on_joined(joined: nashnet.Joined) -> None:
        what = "resumed" if joined.resume else "joined"
        print(f"{prog}: {what} game {joined.game_id} seat {joined.seat}", file=sys.stderr,
              flush=True)

    def log(line: str) -> None:
        if not (args.quiet and line.startswith("connection to ")):
            print(f"{prog}: {line}", file=sys.stderr, flush=True)

    try:
        result = nashnet.play(args.coordinator, args.game, learner, seat=args.seat,
                              name=args.name, join_token=join_token,
                              resume_token=args.resume_token, state_file=args.state_file,
                              max_retry_seconds=args.max_retry_seconds, on_joined=on_joined,
                              log=log, **tls)
    except nashnet.LearnerError as e:
        print(f"{prog}: cannot play this game: {e}", file=sys.stderr)
        return EXIT_UNSUPPORTED
    except nashnet.PlayError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return EXIT_FAILED
    except ValueError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    if result.already_over:
        return EXIT_OK
    if not args.quiet:
        player = result.player
        payoff = repr(player.average_payoff) if player else "-"
        regret = repr(player.regret) if player else "-"
        print(f"{prog}: game {result.game_id} seat {result.seat} {result.reason}: "
              f"{result.rounds_played} rounds, average payoff {payoff}, regret {regret}, "
              f"learner {result.algorithm}, updates {result.updates}, substituted "
              f"{result.substituted_rounds}, errors {result.errors}, reconnects "
              f"{result.reconnects}", flush=True)
    if not result.ok:
        print(f"{prog}: error: game {result.game_id} {result.reason}: {result.message}",
              file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
