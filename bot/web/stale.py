"""The last document a public view (/status.json, /api/v2/summary.json, /history.atom) read
from the store, for the website and feed readers while the store is down.

The chat answers from the last known routing, dated, when the store fails (see
:mod:`bot.snapshot`); the status feeds do the same: each serves the last document it read,
marked stale with the time it was read, for at most ``max_age`` seconds. A
service that has never read the store (started while the database was down) has none and
answers 503 with Retry-After.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass
class LastStatus:
    document: dict[str, Any] | None = None
    read_at: datetime | None = None

    def keep(self, document: dict[str, Any], read_at: datetime) -> None:
        self.document, self.read_at = document, read_at

    def usable(self, now: datetime, max_age: float) -> tuple[dict[str, Any], datetime] | None:
        """The kept document and when it was read, unless there is none or it is too old."""
        if self.document is None or self.read_at is None:
            return None
        if (now - self.read_at).total_seconds() > max_age:
            return None
        return self.document, self.read_at
