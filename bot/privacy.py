"""Retention: conversations are health data, kept only as long as the rule allows.

``bot privacy purge`` deletes every conversation in Rasa's SQL tracker store whose last
event is older than the retention (``BOT_RETENTION_DAYS``, default 30). Rasa stamps events
with the wall clock, whatever ``BOT_NOW`` says, so age is measured on that same clock.
``forget`` deletes one conversation at once (a member's "delete my chat").
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import column, create_engine, delete, func, select, table

EVENTS = table("events", column("sender_id"), column("timestamp"))
DAY = 86_400.0


@dataclass(frozen=True)
class Purged:
    conversations: int
    events: int


def purge(url: str, days: int, *, now: float | None = None) -> Purged:
    """Delete conversations idle for more than ``days`` days; returns what went."""
    cutoff = (time.time() if now is None else now) - days * DAY
    engine = create_engine(url, future=True)
    try:
        with engine.begin() as conn:
            stale = select(EVENTS.c.sender_id).group_by(EVENTS.c.sender_id)
            stale = stale.having(func.max(EVENTS.c.timestamp) < cutoff)
            senders = [row[0] for row in conn.execute(stale)]
            removed = 0
            for start in range(0, len(senders), 500):
                batch = senders[start : start + 500]
                result = conn.execute(delete(EVENTS).where(EVENTS.c.sender_id.in_(batch)))
                removed += result.rowcount or 0
        return Purged(conversations=len(senders), events=removed)
    finally:
        engine.dispose()


def forget(url: str, sender_id: str) -> int:
    """Delete one conversation's events; returns how many went."""
    engine = create_engine(url, future=True)
    try:
        with engine.begin() as conn:
            result = conn.execute(delete(EVENTS).where(EVENTS.c.sender_id == sender_id))
            return int(result.rowcount or 0)
    finally:
        engine.dispose()
