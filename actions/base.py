"""Shared base for every action that reads the live store.

Why a base class: all actions need the same three things done the same way —
a store opened lazily (never at import time), the person's audience (member or
provider) from the conversation, and a polite answer instead of a stack trace when
the store is unreachable. Subclasses implement :meth:`answer` only.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from datetime import date
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot import i18n, snapshot
from bot.answers import Answer
from bot.clock import Clock
from bot.config import Settings
from bot.dates import parse_date
from bot.db import Store
from bot.errors import StoreError
from bot.services import channels as channel_service
from bot.topics import Asked

log = logging.getLogger(__name__)

#: Put first when emergency words come in a question about past care (bot/safety.py).
SAFETY_FIRST = (
    "If anyone needs help right now, call 911 (for a crisis, call or text 988; for a "
    "poisoning, Poison Control at 1-800-222-1222)."
)


@lru_cache(maxsize=1)
def shared_settings() -> Settings:
    return Settings.from_env()


@lru_cache(maxsize=1)
def shared_store() -> Store:
    """One store (engine + sessionmaker) per action-server process, made on first use."""
    return Store.from_settings(shared_settings())


@lru_cache(maxsize=1)
def routing_keeper() -> snapshot.Keeper:
    """Keeps the last routing this process read, for answers while the store is down."""
    return snapshot.Keeper(shared_settings().snapshot_path)


def last_known_answer(audience: str, language: str = i18n.ENGLISH) -> str:
    """The store can't be read: the last known routing, honestly dated, or the safe minimum,
    in the conversation's language."""
    settings = shared_settings()
    with i18n.speaking(i18n.Speaking(language=language)):
        return snapshot.fallback_text(
            snapshot.read(settings.snapshot_path),
            Clock.from_settings(settings),
            settings.snapshot_max_age_seconds,
            audience,
        )


def audience_of(tracker: Tracker) -> str:
    value = tracker.get_slot("audience")
    return value if value in ("member", "provider") else "member"


def entities_of(parse_data: dict[str, Any]) -> dict[str, str]:
    """A message's entities by name (the first found wins)."""
    return {
        str(e.get("entity")): str(e.get("value"))
        for e in reversed(parse_data.get("entities") or [])
        if e.get("value") is not None
    }


def language_of(tracker: Tracker) -> str:
    """The conversation's language (the slot the NLU's LanguageReader fills)."""
    return i18n.normalise(tracker.get_slot("language")) or i18n.ENGLISH


def asked_from(tracker: Tracker) -> Asked:
    """Who is asking (the audience slot), in which language, and what this message said."""
    return Asked(
        audience=audience_of(tracker),
        entities=entities_of(tracker.latest_message),
        language=language_of(tracker),
    )


def date_in_message(tracker: Tracker, today: date) -> date | None:
    """The date the latest message names, read from spaCy's DATE entities."""
    for entity in tracker.latest_message.get("entities", []):
        if entity.get("entity") == "DATE":
            found = parse_date(str(entity.get("value", "")), today)
            if found is not None:
                return found
    return None


class StoreAction(Action, ABC):
    """An action whose answer is composed from the live store (abstract: not registered)."""

    store_factory = staticmethod(shared_store)

    @abstractmethod
    def name(self) -> str: ...

    @abstractmethod
    def answer(self, session: Session, clock: Clock, tracker: Tracker) -> Answer | str: ...

    def events(self, tracker: Tracker, answer: Answer | str) -> list[dict[str, Any]]:
        return []

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        try:
            store = self.store_factory()
            with store.read() as session:
                answer = self.answer(session, store.clock, tracker)
                rows = channel_service.list_channels(session)
                routing_keeper().keep(snapshot.of_channels(rows, store.clock.now()))
        except (SQLAlchemyError, StoreError, OSError) as exc:
            # No message text or identifiers here: only which action failed and why.
            log.warning("%s could not read the store: %s", self.name(), type(exc).__name__)
            spoken = language_of(tracker)
            dispatcher.utter_message(text=last_known_answer(audience_of(tracker), spoken))
            return []
        if any(e.get("entity") == "safety" for e in tracker.latest_message.get("entities") or []):
            language = answer.language if isinstance(answer, Answer) else language_of(tracker)
            dispatcher.utter_message(text=i18n.t(SAFETY_FIRST, language))
        if isinstance(answer, Answer):
            dispatcher.utter_message(text=answer.text, buttons=answer.buttons or None)
        else:
            dispatcher.utter_message(text=answer)
        return self.events(tracker, answer)
