"""Retention: conversations are health data, kept only as long as the rule allows.

``bot privacy purge`` deletes every conversation in Rasa's SQL tracker store whose last
event is older than the retention (``BOT_RETENTION_DAYS``, default 30). Rasa stamps events
with the wall clock, whatever ``BOT_NOW`` says, so age is measured on that same clock.
``forget`` deletes one conversation at once (a member's "delete my chat").
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import column, create_engine, delete, func, select, table

#: Rasa's SQLTrackerStore table, declared once for every reader (retention, the inbox, the
#: statistics). Each selects only the columns it needs: sender_id leaves the database only
#: for retention's own deletes here.
EVENTS = table(
    "events",
    column("id"),
    column("sender_id"),
    column("type_name"),
    column("timestamp"),
    column("intent_name"),
    column("action_name"),
    column("data"),
)
#: What action_forget_conversation sends the chat channel: "delete this conversation now".
FORGET_PAYLOAD = {"forget_conversation": True}
FORGOTTEN = (
    "Done: I've deleted this conversation from our records. Anything you write from now on "
    "starts a new one."
)
NOT_FORGOTTEN = (
    "I couldn't delete this conversation just now, sorry. It will be deleted automatically "
    'after {days} days; you can also write "delete my chat" again in a few minutes.'
)
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


async def forget_in(tracker_store: Any, sender_id: str) -> bool:
    """Delete one conversation from the store Rasa itself uses; False if that isn't possible."""
    from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore

    store = tracker_store
    while hasattr(store, "_tracker_store"):  # AwaitableTrackerStore, FailSafeTrackerStore
        store = store._tracker_store
    if isinstance(store, SQLTrackerStore):
        with store.engine.begin() as conn:
            conn.execute(delete(EVENTS).where(EVENTS.c.sender_id == sender_id))
        return True
    if isinstance(store, InMemoryTrackerStore):
        store.store.pop(sender_id, None)
        return True
    return False
