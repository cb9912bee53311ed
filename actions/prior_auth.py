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

from actions.base import StoreAction, shared_store
from bot import answers
from bot.answers import prior_auth
from bot.clock import Clock
from bot.dates import parse_date
from bot.errors import StoreError

log = logging.getLogger(__name__)

FORM = "prior_auth_form"
CASE_SLOTS = ["service_category", "network", "urgency", "service_date"]


def case_from(tracker: Tracker, slots: dict[str, Any] | None = None) -> prior_auth.PriorAuthCase:
    values = {name: tracker.get_slot(name) for name in [*CASE_SLOTS, "audience"]}
    values.update(slots or {})
    raw_date = values.get("service_date")
    try:
        service_date = date.fromisoformat(raw_date) if raw_date else None
    except (TypeError, ValueError):
        service_date = None
    urgency = values.get("urgency")
    return prior_auth.PriorAuthCase(
        category=values.get("service_category") or "",
        network=values.get("network"),
        urgent=None if urgency is None else urgency == "urgent",
        service_date=service_date,
        audience=values.get("audience"),
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
                return prior_auth.missing(case_from(tracker), session)
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
            text='Sorry, I couldn\'t read that date. Please give it like "Dec 5", '
            '"12/05" or "next Tuesday".'
        )
        return {"service_date": None}

    async def validate_service_category(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value in prior_auth.CATEGORIES:
            return {"service_category": value}
        return {"service_category": None}


class ActionStartPriorAuth(Action):
    """Start each request fresh: keep only what this message says (and who the person is)."""

    def name(self) -> str:
        return "action_start_prior_auth"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        entities = {
            e.get("entity"): e.get("value") for e in tracker.latest_message.get("entities", [])
        }
        mentioned = {
            "service_category": entities.get("service_category"),
            "network": entities.get("network"),
            "urgency": entities.get("urgency"),
            "service_date": entities.get("DATE"),
        }
        return [SlotSet(name, mentioned[name]) for name in CASE_SLOTS]


class ActionPriorAuthAnswer(StoreAction):
    """Answer once the form has what it needs; then forget the case (keep the audience)."""

    def name(self) -> str:
        return "action_prior_auth_answer"

    def answer(self, session: Session, clock: Clock, tracker: Tracker) -> answers.Answer:
        return prior_auth.answer(session, clock, case_from(tracker))

    def events(self, tracker: Tracker, answer: answers.Answer | str) -> list[dict[str, Any]]:
        return [SlotSet(name, None) for name in CASE_SLOTS]
