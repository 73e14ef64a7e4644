"""Shared fixtures of the Python SDK's tests: the build's executables and a real coordinator.

ctest runs these with PYTHONPATH=<build>/python (the package with its generated modules),
NASHNET_BIN_DIR=<build>/bin and NASHNET_LEARNER_TRACE (the C++ learners' trace tool); tests that
need an executable that is not there skip.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

import pytest

SOURCE_DIR = Path(os.environ.get("NASHNET_SOURCE_DIR", Path(__file__).resolve().parents[2]))


def bin_path(name: str) -> Path:
    """<build>/bin/NAME, or skip the test."""
    bin_dir = os.environ.get("NASHNET_BIN_DIR")
    if not bin_dir or not (Path(bin_dir) / name).exists():
        pytest.skip(f"{name} is not built (NASHNET_BIN_DIR={bin_dir})")
    return Path(bin_dir) / name


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Polls ``condition`` every 10 ms; fails the test naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)


class Coordinator:
    """A real nashnet-coordinator on 127.0.0.1:<free port>, records in ``records``."""

    def __init__(self, records: Path, extra: Optional[List[str]] = None) -> None:
        self.records = records
        records.mkdir(parents=True, exist_ok=True)
        port_file = records / "coordinator.port"
        self.log = open(records / "coordinator.log", "ab")
        self.process = subprocess.Popen(
            [str(bin_path("nashnet-coordinator")), "--listen", "127.0.0.1:0", "--port-file",
             str(port_file), "--records-dir", str(records), "--quiet"] + (extra or []),
            stdout=self.log, stderr=self.log)
        wait_until(lambda: port_file.exists() or self.process.poll() is not None, 30,
                   "the coordinator's port file")
        if self.process.poll() is not None:
            pytest.fail(f"nashnet-coordinator exited: {(records / 'coordinator.log').read_text()}")
        self.address = f"127.0.0.1:{port_file.read_text().strip()}"

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        """``nashnet ARGS --coordinator ADDR``; fails the test on a non-zero exit."""
        run = subprocess.run([str(bin_path("nashnet")), *args, "--coordinator", self.address],
                             capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, f"nashnet {' '.join(args)}: {run.stderr}"
        return run

    def create(self, run_file: Path, game_id: str) -> None:
        self.cli("create", str(run_file), "--id", game_id)

    def info(self, game_id: str):
        """GetGame: the game's GameInfo message."""
        import grpc
        from nashnet.v1 import coordinator_pb2, coordinator_pb2_grpc
        with grpc.insecure_channel(self.address) as channel:
            stub = coordinator_pb2_grpc.CoordinatorStub(channel)
            return stub.GetGame(coordinator_pb2.GetGameRequest(game_id=game_id), timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


@pytest.fixture
def coordinator(tmp_path: Path):
    c = Coordinator(tmp_path / "records")
    yield c
    c.stop()


def write_run_file(path: Path, spec: Dict[str, object]) -> Path:
    """A run file (YAML) from a flat dict of already-formatted YAML values."""
    path.write_text("".join(f"{key}: {value}\n" for key, value in spec.items()))
    return path


def simulate(run_file: Path, out: Path) -> bytes:
    """rounds.csv of ``nashnet simulate RUN_FILE``."""
    run = subprocess.run([str(bin_path("nashnet")), "simulate", str(run_file), "--out", str(out),
                          "--quiet"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return (out / "rounds.csv").read_bytes()


def python_agent(args: List[str], log: Path) -> subprocess.Popen:
    """examples/python/nashnet_agent.py ARGS with this interpreter and PYTHONPATH."""
    return subprocess.Popen([sys.executable, str(SOURCE_DIR / "examples/python/nashnet_agent.py"),
                             *args], stdout=open(log.with_suffix(".out"), "wb"),
                            stderr=open(log.with_suffix(".err"), "wb"))
