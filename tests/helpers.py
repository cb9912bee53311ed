"""Build real rasa_sdk Trackers and run real actions against a real store."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.db import Store


def tracker_for(
    intent: str,
    text: str = "",
    *,
    slots: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
    confidence: float = 0.98,
) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": entities or [],
        "intent_ranking": [{"name": intent, "confidence": confidence}],
    }
    return Tracker(
        sender_id="test-conversation",
        slots=slots or {},
        latest_message=latest,
        events=[{"event": "user", "text": text, "parse_data": latest}],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def run_action(
    action: Action, store: Store, tracker: Tracker, domain: dict[str, Any] | None = None
) -> tuple[list[str], list[dict[str, Any]]]:
    """Run ``action`` with its store pointed at ``store``; returns (texts, events)."""
    action.store_factory = lambda: store  # type: ignore[attr-defined]
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain or {}))
    texts = [m.get("text") or "" for m in dispatcher.messages]
    return texts, events
