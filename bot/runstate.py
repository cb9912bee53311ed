"""The run-state file: what a running ``bot run`` tells the other processes on the machine.

``bot run`` writes ``<run dir>/assistant.json`` (atomically, mode 0600: it holds the Rasa
API token) before it starts its children and removes it when it stops. It records the
pinned clock (``now``, or null for the real clock), the time zone, the Rasa and operations
URLs, the Rasa API token and the supervisor's pid. :meth:`bot.config.Settings.from_env`
reads it, so an operator's ``bot channel set-status …`` in another terminal stamps its
change with the running assistant's clock, and ``bot ask`` asks the running assistant.

A file whose pid is no longer alive (the supervisor was killed) is ignored. On Linux the
pid's start time is recorded too, so a pid reused by an unrelated process does not count.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

FILE_NAME = "assistant.json"


class RunStateError(OSError):
    """A run-state file exists but cannot be read by this user."""


@dataclass(frozen=True)
class RunState:
    pid: int
    #: The pinned moment (aware), or None when the assistant runs on the real clock.
    now: datetime | None
    timezone: str
    rasa_url: str
    operations_url: str
    rasa_token: str | None = field(default=None, repr=False)
    #: The pid's start time (``/proc/PID/stat`` field 22) when it was written, if known.
    pid_start: str | None = None
    ready: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "pid": self.pid,
            "pid_start": self.pid_start,
            "now": self.now.isoformat() if self.now is not None else None,
            "timezone": self.timezone,
            "rasa_url": self.rasa_url,
            "operations_url": self.operations_url,
            "rasa_token": self.rasa_token,
            "ready": self.ready,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunState:
        raw_now = data.get("now")
        return cls(
            pid=int(data["pid"]),
            pid_start=str(data["pid_start"]) if data.get("pid_start") else None,
            now=datetime.fromisoformat(raw_now) if raw_now else None,
            timezone=str(data.get("timezone") or ""),
            rasa_url=str(data.get("rasa_url") or ""),
            operations_url=str(data.get("operations_url") or ""),
            rasa_token=str(data["rasa_token"]) if data.get("rasa_token") else None,
            ready=bool(data.get("ready", False)),
        )


def path_in(run_dir: Path) -> Path:
    return run_dir / FILE_NAME


def process_start(pid: int) -> str | None:
    """When ``pid`` started (clock ticks since boot, from /proc), or None if unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Field 2 (the command name) may contain spaces and parentheses: split after it.
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else None


def pid_alive(pid: int, started: str | None = None) -> bool:
    """Is ``pid`` running (and, if ``started`` is given and knowable, the same process)?"""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, owned by someone else
    if started is not None:
        current = process_start(pid)
        if current is not None and current != started:
            return False  # the pid was reused by another process
    return True


def write(run_dir: Path, state: RunState) -> Path:
    """Write the file atomically (temporary file + rename), readable by this user only."""
    run_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = path_in(run_dir)
    fd, temporary = tempfile.mkstemp(dir=run_dir, prefix=".assistant.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(state.to_json(), handle, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return target


def read(run_dir: Path) -> RunState | None:
    """The recorded state, alive or not; None if there is no (well-formed) file."""
    target = path_in(run_dir)
    try:
        text = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except PermissionError as exc:
        raise RunStateError(f"the running assistant's state {target} is not readable") from exc
    except OSError:
        return None
    try:
        return RunState.from_json(json.loads(text))
    except (ValueError, KeyError, TypeError):
        return None


def live(run_dir: Path) -> RunState | None:
    """The state of the assistant running now, or None (no file, or its process is gone)."""
    state = read(run_dir)
    if state is None or not pid_alive(state.pid, state.pid_start):
        return None
    return state


def remove(run_dir: Path, pid: int) -> None:
    """Remove the file if it is ``pid``'s (never another run's)."""
    try:
        state = read(run_dir)
    except RunStateError:
        return
    if state is not None and state.pid == pid:
        with contextlib.suppress(FileNotFoundError):
            path_in(run_dir).unlink()
