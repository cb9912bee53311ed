"""Prior authorization: a form that asks only what changes the answer, then answers from rules."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from actions.base import StoreAction, language_of, shared_store
from bot import answers, i18n, topics
from bot import entities as entities_module
from bot.answers import prior_auth
from bot.clock import Clock
from bot.dates import parse_date
from bot.errors import StoreError
from bot.topics import AUDIENCES

log = logging.getLogger(__name__)

FORM = "prior_auth_form"
CASE_SLOTS = ["service_category", "network", "urgency", "service_date"]


def case_from(tracker: Tracker, today: date) -> prior_auth.PriorAuthCase:
    """The case as the slots stand (Rasa re-reads the message when the form starts, so the
    date slot may hold words again even after :class:`ActionStartPriorAuth` set a date)."""
    return prior_auth.case_of(
        {name: tracker.get_slot(name) for name in [*CASE_SLOTS, "audience"]}, today
    )


class ValidatePriorAuthForm(FormValidationAction):
    """Decides which questions are still needed and reads dates from free text."""

    store_factory = staticmethod(shared_store)

    def name(self) -> str:
        return f"validate_{FORM}"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        try:
            store = self.store_factory()
            with store.read() as session:
                return prior_auth.missing(case_from(tracker, store.clock.today()), session)
        except (SQLAlchemyError, StoreError, OSError) as exc:
            log.warning("prior-auth form could not read the store: %s", type(exc).__name__)
            return []

    async def validate_service_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Turn 'dec 5', '12/05' or 'next tuesday' into an ISO date, or ask again politely."""
        found = parse_date(str(value or ""), self.store_factory().clock.today())
        if found is not None:
            return {"service_date": found.isoformat()}
        dispatcher.utter_message(
            text=i18n.t(
                'Sorry, I couldn\'t read that date. Please give it like "Dec 5", '
                '"12/05" or "next Tuesday".',
                language_of(tracker),
            )
        )
        return {"service_date": None}

    async def validate_service_category(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"service_category": value if value in prior_auth.CATEGORIES else None}

    async def validate_audience(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """An unrecognised value ("office") means: ask, never guess and never fail."""
        return {"audience": value if value in AUDIENCES else None}

    async def validate_network(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"network": value if value in ("in_network", "out_of_network") else None}

    async def validate_urgency(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"urgency": value if value in ("urgent", "not_urgent") else None}


def _words_of_the_request(tracker: Tracker) -> tuple[str, dict[str, Any]]:
    """Text and entities of the message that asked; a "Yes" button's payload points back to it.

    After "Did you mean: prior authorization?" the request arrives as ``/ask_prior_auth``
    with no words of its own: the details are in the message that was not understood.
    """
    users = [e for e in tracker.events if e.get("event") == "user"]
    latest = users[-1] if users else {"parse_data": tracker.latest_message}
    chosen = latest
    if str(latest.get("text") or "").startswith("/") and len(users) > 1:
        chosen = users[-2]
    entities = (chosen.get("parse_data") or {}).get("entities") or []
    found = {str(e.get("entity")): e.get("value") for e in reversed(entities)}
    return str(chosen.get("text") or ""), found


def _last_answered_case(tracker: Tracker) -> dict[str, Any]:
    """The case as it stood when the last prior-auth answer was given (the answer clears it)."""
    values: dict[str, Any] = {}
    answered: dict[str, Any] = {}
    for event in tracker.events:
        if event.get("event") == "slot" and event.get("name") in CASE_SLOTS:
            values[str(event["name"])] = event.get("value")
        elif event.get("event") == "action" and event.get("name") == "action_prior_auth_answer":
            answered = {k: v for k, v in values.items() if v is not None}
    return answered


class ActionStartPriorAuth(Action):
    """Start each request fresh: keep only what this message says (and who the person is).

    Except a follow-up ("what if it's out of network?") that names no service: it changes
    only the details it names of the case answered last.
    """

    store_factory = staticmethod(shared_store)

    def name(self) -> str:
        return "action_start_prior_auth"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        text, entities = _words_of_the_request(tracker)
        raw_date = entities.get("DATE")
        # Read "tomorrow" now, against the store's clock, so the form sees a real date.
        found = parse_date(str(raw_date), self.store_factory().clock.today()) if raw_date else None
        mentioned = {
            "service_category": entities.get("service_category"),
            "network": entities.get("network"),
            "urgency": entities.get("urgency"),
            "service_date": found.isoformat() if found else None,
        }
        if not mentioned["service_category"] and entities_module.is_follow_up(text):
            earlier = _last_answered_case(tracker)
            mentioned = {name: mentioned[name] or earlier.get(name) for name in CASE_SLOTS}
        events = [SlotSet(name, mentioned[name]) for name in CASE_SLOTS]
        if entities.get("audience") in AUDIENCES:
            events.append(SlotSet("audience", entities["audience"]))
        return events


class ActionPriorAuthAnswer(StoreAction):
    """Answer once the form has what it needs; then forget the case (keep the audience)."""

    def name(self) -> str:
        return "action_prior_auth_answer"

    def answer(self, session: Session, clock: Clock, tracker: Tracker) -> answers.Answer:
        case = case_from(tracker, clock.today())
        return topics.in_language(
            session, language_of(tracker), lambda: prior_auth.answer(session, clock, case)
        )

    def events(self, tracker: Tracker, answer: answers.Answer | str) -> list[dict[str, Any]]:
        return [SlotSet(name, None) for name in CASE_SLOTS]
