#!/usr/bin/python3
"""A deliberately broken nashnet agent: examples/python/nashnet_agent.py with faults put in, so
that `nashnet conformance` can be shown to fail (tests/conformance/CMakeLists.txt).

    broken_agent.py --break MODE[,MODE] AGENT FLAGS...

ignore-history: History after a resume is acknowledged but not learned from (the learner skips
those rounds' draws and updates) — lost Feedback and an agent restart break the record.
exit-zero: exit 0 whatever happened, a failed game too.
no-reconnect: a broken stream ends the agent (exit 1) instead of a reconnect with backoff.
"""

from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "examples", "python"))

import nashnet_agent  # noqa: E402
from nashnet import client  # noqa: E402


def ignore_history(self, history) -> None:
    """_Player._on_history without the replay: the rounds are marked absorbed, nothing learned."""
    for past in history.rounds:
        self.learner_round = past.round
        self.pending_round = 0
    if not history.last:
        return
    self.replaying = False
    if not self.started_seen:
        return
    self.started = True
    self._continue(self.next_round)


def no_reconnect(original):
    def session(self):
        joined, code, details = original(self)
        if code is not None:
            raise client.PlayError(code, f"broken_agent.py does not reconnect: {details}")
        return joined, code, details
    return session


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] != "--break":
        print("usage: broken_agent.py --break MODE[,MODE] AGENT FLAGS...", file=sys.stderr)
        return 2
    modes = set(argv[1].split(","))
    unknown = modes - {"ignore-history", "exit-zero", "no-reconnect"}
    if unknown:
        print(f"broken_agent.py: unknown --break {sorted(unknown)}", file=sys.stderr)
        return 2
    if "ignore-history" in modes:
        client._Player._on_history = ignore_history  # type: ignore[method-assign]
    if "no-reconnect" in modes:
        client._Player.session = no_reconnect(client._Player.session)  # type: ignore
    code = nashnet_agent.main(argv[2:])
    return 0 if "exit-zero" in modes else code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
