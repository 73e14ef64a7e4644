"""The agent state file: what lets a restarted agent take its seat back.

The same JSON as ``nashnet-agent --state-file`` (``agents/remote/agent_state_file.h``), so either
agent can read the other's file::

    {"game_id": "g1", "seat": 0, "resume_token": "...", "finished": false}
    {"game_id": "g1", "seat": 0, "resume_token": "...", "finished": true, "reason": "completed"}

The resume token is a secret: the file is written with mode 0600, atomically (a partial file and
a rename, so a crash leaves the old state or the new one).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Optional, Union

_MAX_BYTES = 64 << 10
PathLike = Union[str, "os.PathLike[str]"]


@dataclass
class AgentState:
    """The content of a state file."""

    game_id: str
    seat: int
    resume_token: str
    finished: bool = False
    reason: str = ""  # with finished: completed, stopped or failed


def _bad(path: PathLike, why: str) -> ValueError:
    return ValueError(f"--state-file {os.fspath(path)}: {why}")


def load_state(path: PathLike) -> Optional[AgentState]:
    """The state in ``path``; None if there is no file; ValueError naming the file and the fault."""
    try:
        with open(path, "rb") as f:
            data = f.read(_MAX_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as e:
        raise _bad(path, e.strerror or str(e)) from e
    if len(data) > _MAX_BYTES:
        raise _bad(path, "larger than 64 KiB")
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        obj = None
    if not isinstance(obj, dict):
        raise _bad(path, "not a JSON object")
    game_id, seat = obj.get("game_id"), obj.get("seat")
    token, finished = obj.get("resume_token"), obj.get("finished", False)
    if not isinstance(game_id, str) or not game_id:
        raise _bad(path, "game_id: missing or not a string")
    if isinstance(seat, bool) or not isinstance(seat, int) or not 0 <= seat <= 1_000_000:
        raise _bad(path, "seat: missing or not a seat number")
    if not isinstance(token, str):
        raise _bad(path, "resume_token: missing")
    if not isinstance(finished, bool):
        raise _bad(path, "finished: not a bool")
    reason = obj.get("reason", "")
    return AgentState(game_id=game_id, seat=seat, resume_token=token, finished=finished,
                      reason=reason if isinstance(reason, str) else "")


def save_state(path: PathLike, state: AgentState) -> None:
    """Writes ``state`` to ``path`` atomically with mode 0600; ValueError if it cannot."""
    obj = {"game_id": state.game_id, "seat": state.seat, "resume_token": state.resume_token,
           "finished": state.finished}
    if state.finished:
        obj["reason"] = state.reason
    text = (json.dumps(obj, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    partial = os.fspath(path) + ".partial"
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            os.write(fd, text)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(partial, path)
    except OSError as e:
        try:
            os.unlink(partial)
        except OSError:
            pass
        raise _bad(path, f"cannot write: {e.strerror or e}") from e
