"""Last known good routing: what to tell people when the live store can't be read.

The action server writes the public channels it last read successfully (states, numbers,
the store-clock time of the read) to a small JSON file, atomically. When the store fails,
or when the action server itself can't be reached (then the Rasa process reads the file
from its REST channel), answers come from it with an honest "As of 9:58 AM (I can't
confirm the latest right now)". A snapshot older than ``BOT_SNAPSHOT_MAX_AGE`` seconds is
not trusted: then only the emergency numbers and our website's notice are given. Never
nothing.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot import i18n
from bot.clock import Clock
from bot.formatting import short_when

EMERGENCY = (
    "If this is a medical emergency, call 911. For a crisis, call or text 988; for a "
    "poisoning, Poison Control at 1-800-222-1222."
)
CANT_REACH = "I'm sorry, I can't reach our live systems right now."
NOT_GUESSING = (
    "I won't guess which of our lines are working. Please see the outage notice on the home "
    "page of our website and try again in a few minutes."
)
#: How often a process rewrites an unchanged snapshot (keeps its age honest, bounds I/O).
REFRESH_SECONDS = 60.0


@dataclass(frozen=True)
class Channel:
    key: str
    name: str
    kind: str
    audience: str
    contact: str
    status: str


@dataclass(frozen=True)
class Snapshot:
    read_at: datetime
    channels: tuple[Channel, ...]

    def to_json(self) -> str:
        return json.dumps(
            {
                "read_at": self.read_at.isoformat(),
                "channels": [c.__dict__ for c in self.channels],
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> Snapshot:
        data = json.loads(text)
        return cls(
            read_at=datetime.fromisoformat(data["read_at"]),
            channels=tuple(Channel(**c) for c in data["channels"]),
        )


def of_channels(rows: list[Any], read_at: datetime) -> Snapshot:
    """A snapshot of the public channels, from store rows."""
    return Snapshot(
        read_at=read_at,
        channels=tuple(
            Channel(
                key=str(c.key),
                name=str(c.name),
                kind=str(c.kind),
                audience=str(c.audience),
                contact=str(c.contact),
                status=str(c.status),
            )
            for c in rows
            if c.public
        ),
    )


class Keeper:
    """Writes snapshots for one process: only when they change or go stale, atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._last: tuple[str, float] | None = None

    def keep(self, snapshot: Snapshot) -> None:
        body = json.dumps([c.__dict__ for c in snapshot.channels], sort_keys=True)
        now = time.monotonic()
        if self._last and self._last[0] == body and now - self._last[1] < REFRESH_SECONDS:
            return
        write(self.path, snapshot)
        self._last = (body, now)


def write(path: Path, snapshot: Snapshot) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".snapshot-")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(snapshot.to_json())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read(path: Path) -> Snapshot | None:
    try:
        return Snapshot.from_json(path.read_text())
    except (OSError, ValueError, KeyError, TypeError):
        return None


def fallback_text(
    snapshot: Snapshot | None,
    clock: Clock,
    max_age_seconds: float,
    audience: str = "member",
    lead: str = CANT_REACH,
) -> str:
    """What to say from the last known routing, after ``lead`` (why we can't say more);
    emergency numbers whatever happens.

    Written in the language being spoken (:func:`bot.i18n.speaking`); ``lead`` is translated
    when the catalogue has it. Channel names are the snapshot's (English): the store, which
    holds their translations, is what could not be read."""
    now = clock.now()
    # CANT_REACH by name, so bot/wording.py lists it; a caller's own lead by its value.
    lead = i18n.t(CANT_REACH) if lead == CANT_REACH else i18n.t(lead)
    emergency = i18n.t(EMERGENCY)
    if snapshot is None or (now - snapshot.read_at).total_seconds() > max_age_seconds:
        return f"{lead} {i18n.t(NOT_GUESSING)} {emergency}"
    usable = [
        c
        for c in snapshot.channels
        if c.status != "down" and c.audience in (audience, "all") and c.kind != "mail"
    ]
    phones = [c for c in usable if any(ch.isdigit() for ch in c.contact)]
    listed = "; ".join(f"{c.name} {c.contact}" for c in phones[:3])
    others = [c.name for c in usable if c not in phones][:2]
    when = short_when(snapshot.read_at, clock)
    as_of = i18n.t("As of {time} (I can't confirm the latest right now), these were working:")
    parts = [f"{lead} {as_of.format(time=when)}"]
    parts.append(f"{listed}." if listed else "")
    if others:
        parts.append(i18n.t("Also working: {names}.").format(names=", ".join(others)))
    parts.append(emergency)
    return " ".join(p for p in parts if p)
