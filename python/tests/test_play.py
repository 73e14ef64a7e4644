"""nashnet.play against a real nashnet-coordinator: whole games, records equal to simulate's,
learners of one's own, in-band errors, resumes with a state file, and TLS.

Every game here is played by Python agents only (one thread per seat, or processes of
examples/python/nashnet_agent.py), and every record is compared with `nashnet simulate` of the
same run file byte for byte where the seats play nashnet's learners.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Dict, List, Optional

import pytest

import nashnet
from conftest import SOURCE_DIR, Coordinator, python_agent, simulate, wait_until, write_run_file

SPECS: Dict[str, Dict[str, object]] = {
    # Eigen's exp and sum run on pairs of doubles: 2, 3 and 5 actions cover pairs and tails.
    "rps-full-hedge": {"game": "rock_paper_scissors", "learner": "{algorithm: hedge}",
                       "feedback": "full"},
    "pd-noisy-hedge": {"game": "prisoners_dilemma",
                       "learner": "{algorithm: hedge, params: {gamma0: 0.3}}",
                       "feedback": "{model: noisy, sigma: 1.5}"},
    "braess-counterfactual-hedge-lr": {"game": "{name: braess, params: {players: 3}}",
                                       "learner": "{algorithm: hedge-lr}",
                                       "feedback": "counterfactual"},
    "coordination5-bandit": {"game": "{name: coordination, params: {actions: 5}}",
                             "learner": "{algorithm: bandit-hedge}",
                             "feedback": "{model: bandit, sigma: 0.2}"},
}


def run_file(tmp_path: Path, name: str, rounds: int = 400, seed: int = 5,
             **extra: object) -> Path:
    spec = {"name": name, **SPECS[name], "rounds": rounds, "seed": seed, **extra}
    return write_run_file(tmp_path / f"{name}.yaml", spec)


def play_seats(coordinator: Coordinator, game: str, players: int,
               learners: Optional[List[Optional[nashnet.Learner]]] = None,
               **kwargs: object) -> List[nashnet.Result]:
    """Every seat played by nashnet.play in its own thread; the results in seat order."""
    results: List[Optional[nashnet.Result]] = [None] * players
    errors: List[BaseException] = []

    def seat(i: int) -> None:
        try:
            learner = learners[i] if learners else None
            results[i] = nashnet.play(coordinator.address, game, learner, seat=i,
                                      name=f"pytest-{i}", **kwargs)  # type: ignore[arg-type]
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=seat, args=(i,)) for i in range(players)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert all(r is not None for r in results)
    return results  # type: ignore[return-value]


@pytest.mark.parametrize("name,players", [("rps-full-hedge", 2), ("pd-noisy-hedge", 2),
                                          ("braess-counterfactual-hedge-lr", 3),
                                          ("coordination5-bandit", 2)])
def test_python_agents_write_simulates_record_byte_for_byte(
        tmp_path: Path, coordinator: Coordinator, name: str, players: int) -> None:
    spec = run_file(tmp_path, name)
    coordinator.create(spec, "g")
    results = play_seats(coordinator, "g", players)
    for seat, result in enumerate(results):
        assert result.reason == "completed" and result.rounds_played == 400
        assert result.seat == seat and result.updates == 400 and result.errors == 0
    expected = simulate(spec, tmp_path / "simulate")
    assert (coordinator.records / "g" / "rounds.csv").read_bytes() == expected
    assert results[0].summary is not None and results[0].summary.status == "completed"


class FictitiousPlay(nashnet.Learner):
    """Plays a best response to the average payoff vector (a learner of one's own)."""

    algorithm = "fictitious-play"

    def start(self, view: nashnet.PlayerView) -> None:
        self.totals = [0.0] * view.num_actions
        self.rounds = 0

    def act(self, view: nashnet.PlayerView, rng: nashnet.Rng):
        best = max(range(len(self.totals)), key=lambda k: self.totals[k])
        rng.uniform()  # one draw per round (the replay contract), used or not
        return nashnet.Action(index=best, strategy=[float(k == best) for k in
                                                    range(len(self.totals))], probability=1.0)

    def update(self, feedback: nashnet.Feedback) -> None:
        self.totals = [t + v for t, v in zip(self.totals, feedback.payoff_vector)]
        self.rounds += 1


def test_a_learner_of_ones_own_is_declared_and_plays(tmp_path: Path,
                                                     coordinator: Coordinator) -> None:
    spec = run_file(tmp_path, "pd-noisy-hedge", rounds=200)
    coordinator.create(spec, "own")
    own = FictitiousPlay()
    results = play_seats(coordinator, "own", 2, learners=[own, None])
    assert results[0].algorithm == "fictitious-play" and own.rounds == 200
    info = coordinator.info("own")
    assert info.seats[0].learner.algorithm == "fictitious-play"
    assert info.seats[1].learner.algorithm == "hedge"
    # Defect (action 1) strictly dominates: fictitious play defects from round 2 on.
    assert list(info.summary.players[0].strategy) == [0.0, 1.0]


class OutOfRange(nashnet.HedgeLearner):
    """Hedge that sends one action out of range at round 5 (an in-band Error, then play on)."""

    def __init__(self) -> None:
        super().__init__()
        self.t = 0

    def act(self, view: nashnet.PlayerView, rng: nashnet.Rng) -> nashnet.Action:
        action = super().act(view, rng)
        self.t += 1
        if self.t == 5:
            action.index = 7
        return action


def test_an_in_band_error_is_logged_and_play_goes_on(tmp_path: Path,
                                                     coordinator: Coordinator) -> None:
    spec = run_file(tmp_path, "rps-full-hedge", rounds=50,
                    service="{round_deadline_ms: 200, straggler: repeat_last, evict_after: 50}")
    coordinator.create(spec, "err")
    lines: List[str] = []
    results = play_seats(coordinator, "err", 2, learners=[OutOfRange(), None],
                         log=lines.append)
    assert results[0].reason == "completed" and results[0].errors == 1
    assert results[0].substituted_rounds == 1  # round 5 was played by the straggler policy
    assert any("round 5: coordinator error INVALID_ARGUMENT" in line and "out of range" in line
               for line in lines), lines
    assert coordinator.info("err").seats[0].rejected_messages == 1


def test_a_killed_agent_resumes_from_its_state_file_and_the_record_is_simulates(
        tmp_path: Path, coordinator: Coordinator) -> None:
    spec = run_file(tmp_path, "pd-noisy-hedge", rounds=3000)
    coordinator.create(spec, "kill")
    state = tmp_path / "seat0.state"
    args = ["--coordinator", coordinator.address, "--game", "kill", "--seat", "0",
            "--state-file", str(state)]
    first = python_agent(args, tmp_path / "agent-0a")
    other = python_agent(["--coordinator", coordinator.address, "--game", "kill", "--seat", "1"],
                         tmp_path / "agent-1")
    wait_until(lambda: coordinator.info("kill").round >= 1000, 60, "round 1000")
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    assert state.stat().st_mode & 0o777 == 0o600
    again = python_agent(args, tmp_path / "agent-0b")
    assert again.wait(60) == 0, (tmp_path / "agent-0b.err").read_text()
    assert other.wait(60) == 0
    err = (tmp_path / "agent-0b.err").read_text()
    assert "resumed game kill seat 0" in err
    assert (coordinator.records / "kill" / "rounds.csv").read_bytes() == simulate(
        spec, tmp_path / "simulate")
    assert coordinator.info("kill").seats[0].resumes == 1
    # Once the game is over, a restart with the file exits 0 at once.
    done = subprocess.run([sys.executable, str(SOURCE_DIR / "examples/python/nashnet_agent.py"),
                           *args], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and "already over (completed" in done.stderr


def test_state_files_are_nashnet_agents_format(tmp_path: Path) -> None:
    path = tmp_path / "a.state"
    nashnet.save_state(path, nashnet.AgentState(game_id="g1", seat=2, resume_token="t0k"))
    assert path.read_text() == ('{\n  "game_id": "g1",\n  "seat": 2,\n  "resume_token": "t0k",\n'
                                '  "finished": false\n}\n')
    assert path.stat().st_mode & 0o777 == 0o600
    assert nashnet.load_state(path) == nashnet.AgentState("g1", 2, "t0k", False, "")
    assert nashnet.load_state(tmp_path / "missing") is None
    for text, why in [("[]", "not a JSON object"), ('{"seat": 0, "resume_token": ""}', "game_id"),
                      ('{"game_id": "g", "seat": -1, "resume_token": ""}', "seat"),
                      ('{"game_id": "g", "seat": 0}', "resume_token"),
                      ('{"game_id": "g", "seat": 0, "resume_token": "", "finished": 1}',
                       "finished")]:
        path.write_text(text)
        with pytest.raises(ValueError, match=f"--state-file {path}: {why}"):
            nashnet.load_state(path)


def test_fatal_statuses_raise_play_error_with_the_coordinators_code(
        tmp_path: Path, coordinator: Coordinator) -> None:
    with pytest.raises(nashnet.PlayError) as e:
        nashnet.play(coordinator.address, "no-such-game", seat=0)
    assert e.value.code.name == "NOT_FOUND"
    with pytest.raises(nashnet.PlayError, match="gave up after 0.3 s"):
        nashnet.play("127.0.0.1:1", "g", max_retry_seconds=0.3, log=lambda line: None)
    with pytest.raises(ValueError, match="seat: -1 is negative"):
        nashnet.play(coordinator.address, "g", seat=-1)


def test_the_games_learner_that_python_lacks_is_a_learner_error(
        tmp_path: Path, coordinator: Coordinator) -> None:
    spec = write_run_file(tmp_path / "bumps.yaml", {
        "name": "bumps", "game": "online_bumps", "learner": "{algorithm: hda}",
        "feedback": "bandit", "rounds": 50})
    coordinator.create(spec, "bumps")
    with pytest.raises(nashnet.LearnerError, match="unknown learner algorithm 'hda'"):
        nashnet.play(coordinator.address, "bumps", seat=0)


def openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


def test_tls_with_a_client_certificate(tmp_path: Path) -> None:
    """play() over mutual TLS, against a tiny coordinator written with grpc's Python server."""
    import grpc
    from concurrent import futures
    from nashnet.v1 import coordinator_pb2 as pb, coordinator_pb2_grpc as pb_grpc
    from nashnet.v1 import spec_pb2

    if subprocess.run(["which", "openssl"], capture_output=True).returncode != 0:
        pytest.skip("openssl is not installed")
    d = tmp_path
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", str(d / "ca.key"), "-out", str(d / "ca.pem"), "-days", "2",
            "-subj", "/CN=test-ca")
    for name in ("server", "client"):
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", str(d / f"{name}.key"), "-out", str(d / f"{name}.csr"),
                "-subj", f"/CN={name}")
        (d / f"{name}.ext").write_text("subjectAltName=DNS:localhost\n")
        openssl("x509", "-req", "-in", str(d / f"{name}.csr"), "-CA", str(d / "ca.pem"),
                "-CAkey", str(d / "ca.key"), "-CAcreateserial", "-out", str(d / f"{name}.pem"),
                "-days", "2", "-extfile", str(d / f"{name}.ext"))
    read = lambda name: (d / name).read_bytes()  # noqa: E731

    class OneRound(pb_grpc.CoordinatorServicer):
        def Play(self, requests, context):
            join = next(requests).join
            view = pb.PlayerView(player=0, num_players=1, num_actions=2, payoff_min=0,
                                 payoff_max=1, feedback=spec_pb2.FEEDBACK_MODEL_FULL, horizon=1,
                                 seed=3)
            yield pb.CoordinatorMessage(joined=pb.Joined(game_id=join.game_id, seat=0, view=view,
                                                         resume_token="r", next_round=1))
            yield pb.CoordinatorMessage(start=pb.Start(round=1))
            action = next(requests).action
            yield pb.CoordinatorMessage(feedback=pb.Feedback(round=1, payoff=1.0,
                                                             payoff_vector=[0.0, 1.0],
                                                             index=action.index))
            yield pb.CoordinatorMessage(game_over=pb.GameOver(
                reason=pb.GAME_OVER_REASON_COMPLETED, rounds_played=1))

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    pb_grpc.add_CoordinatorServicer_to_server(OneRound(), server)
    credentials = grpc.ssl_server_credentials([(read("server.key"), read("server.pem"))],
                                              root_certificates=read("ca.pem"),
                                              require_client_auth=True)
    port = server.add_secure_port("localhost:0", credentials)
    server.start()
    try:
        result = nashnet.play(f"localhost:{port}", "tls", root_certificates=read("ca.pem"),
                              private_key=read("client.key"),
                              certificate_chain=read("client.pem"))
        assert result.reason == "completed" and result.updates == 1
        with pytest.raises(nashnet.PlayError):  # no client certificate: refused
            nashnet.play(f"localhost:{port}", "tls", root_certificates=read("ca.pem"),
                         max_retry_seconds=1, log=lambda line: None)
        with pytest.raises(ValueError, match="give both or neither"):
            nashnet.play(f"localhost:{port}", "tls", private_key=read("client.key"))
    finally:
        server.stop(0)


def test_the_readmes_learner_plays_a_game(tmp_path: Path, coordinator: Coordinator) -> None:
    """python/README.md's example learner, run as written (its class, against a bandit game)."""
    text = (SOURCE_DIR / "python/README.md").read_text()
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: Dict[str, object] = {}
    exec(code.split("result = nashnet.play", 1)[0], namespace)  # noqa: S102 - our own README
    spec = run_file(tmp_path, "coordination5-bandit", rounds=300)
    coordinator.create(spec, "readme")
    learner = namespace["Exp3"]()  # type: ignore[operator]
    results = play_seats(coordinator, "readme", 2, learners=[learner, None])
    assert results[0].reason == "completed" and results[0].updates == 300
    assert coordinator.info("readme").seats[0].learner.algorithm == "my-exp3"
