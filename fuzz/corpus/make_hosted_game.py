#!/usr/bin/env python3
"""Writes the seed corpus of fuzz/hosted_game.cc (its input format is in that file's comment):
whole games as agents would play them, so that the fuzzer starts deep in a game."""
import os

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hosted_game")

G1 = 1          # Join flags: game id "g1" (else "other")
SEAT = 2        # ... a seat byte follows (seat = byte % 5 - 1)
TOKEN = 4       # ... a join token: the right one with RIGHT
RIGHT = 8
RESUME = 16     # ... the resume token of an earlier Joined
LEARNED = 32    # ... a learner_round byte follows


def join(flags, *args):
    return bytes([0, flags, *args])


def act(agent, pick=0):  # a well-formed Action of the agent-th stream holding a seat
    return bytes([2 + 8 * agent, pick])


def gone(agent):
    return bytes([4 + 8 * agent])


def wait(ms):  # time passes: 10 ms × (1 + byte)
    return bytes([5, ms // 10 - 1])


def raw_join(seat):
    body = b"\x0a\x02g1" + bytes([0x10, seat])
    return bytes([1, len(body)]) + body


def raw_action(agent, round_, index):
    body = bytes([0x08, round_, 0x10, index])
    return bytes([3 + 8 * agent, len(body)]) + body


def rounds(n, agents=2, pick=0):
    return b"".join(act(a, pick) for _ in range(n) for a in range(agents))


SEEDS = {
    # Prisoners' dilemma, 5 rounds, both seats joined and played to the end.
    "pd_whole_game": bytes([0x00, 4, 0]) + join(G1 | SEAT, 1) + join(G1 | SEAT, 2) + rounds(5),
    # Rock-paper-scissors, bandit: a drop and a resume with a learner round after 2 rounds.
    "rps_drop_resume": bytes([0x05, 5, 1]) + join(G1 | SEAT, 1) + join(G1 | SEAT, 2) +
    rounds(2, pick=1) + gone(1) + join(G1 | RESUME | LEARNED, 1) + rounds(4, pick=2),
    # Cournot, bandit, default action for stragglers: one seat misses deadlines and is evicted.
    "cournot_straggler": bytes([0x37, 0x03, 1]) + join(G1 | SEAT, 1) + join(G1 | SEAT, 2) +
    act(0, 100) + wait(200) + act(0, 30) + wait(200) + act(0, 200) + act(1, 50) + wait(500),
    # Braess with 3 players, a join token and a local seat 0: wrong token, then right ones.
    "braess_token_local": bytes([0xC2, 0x06, 2]) + join(G1 | TOKEN) + join(G1 | TOKEN | RIGHT) +
    join(G1 | TOKEN | RIGHT) + rounds(7),
    # Raw messages: Joins and Actions as serialized protos, a wrong round, then a stop.
    "pd_raw_messages": bytes([0x00, 3, 0]) + raw_join(0) + raw_join(1) + raw_action(0, 1, 1) +
    raw_action(1, 1, 0) + raw_action(0, 5, 0) + bytes([7]),
    # A slow reader: stream 0 stops reading for two rounds, then catches up.
    "pd_slow_reader": bytes([0x00, 5, 0]) + join(G1 | SEAT, 1) + join(G1 | SEAT, 2) +
    bytes([6]) + rounds(2) + bytes([6]) + rounds(4),
}

os.makedirs(OUT, exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(OUT, name + ".bin"), "wb") as f:
        f.write(data)
print(f"{len(SEEDS)} seeds in {OUT}")
