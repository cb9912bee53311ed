"""A hand-filled Rasa ``events`` table, in the shape Rasa's SQLTrackerStore writes it.

For edge cases a real conversation can't be steered into (a turn with no reply, Rasa's
core fallback, events before the window); the numbers themselves are checked against real
conversations in tests/test_stats.py.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import create_engine, text

SCHEMA = (
    "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
    "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
    "action_name VARCHAR(255), data TEXT)"
)


class Trackers:
    """Appends events to a tracker database, one conversation turn at a time."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url, future=True)
        with self.engine.begin() as conn:
            conn.execute(text(SCHEMA))

    def event(self, sender: str, kind: str, at: float, data: dict[str, Any], **cols: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO events (sender_id, type_name, timestamp, intent_name, "
                    "action_name, data) VALUES (:s, :k, :t, :i, :a, :d)"
                ),
                {
                    "s": sender,
                    "k": kind,
                    "t": at,
                    "i": cols.get("intent"),
                    "a": cols.get("action"),
                    "d": json.dumps({"event": kind, "timestamp": at, **data}),
                },
            )

    def turn(
        self,
        sender: str,
        said: str,
        intent: str,
        at: float,
        *,
        action: str | None = None,
        reply: str | None = "OK.",
        after: float = 0.5,
        confidence: float = 0.9,
    ) -> None:
        """A member message, the action that ran (``action_<intent>`` by default), the reply."""
        parse = {
            "text": said,
            "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": [{"name": intent, "confidence": confidence}],
        }
        self.event(sender, "user", at, {"text": said, "parse_data": parse}, intent=intent)
        name = action or "action_" + intent.removeprefix("ask_")
        self.event(sender, "action", at + after / 2, {"name": name}, action=name)
        if reply is not None:
            self.event(sender, "bot", at + after, {"text": reply})
        self.event(sender, "action", at + after, {"name": "action_listen"}, action="action_listen")

    def dispose(self) -> None:
        self.engine.dispose()
