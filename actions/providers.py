"""Provider topics: the Carelon "Apologies" page and therapy prior authorization."""

from __future__ import annotations

from rasa_sdk import Tracker
from sqlalchemy.orm import Session

from actions.base import StoreAction, date_in_message
from bot import answers
from bot.clock import Clock


class ActionCarelonPortalError(StoreAction):
    def name(self) -> str:
        return "action_carelon_portal_error"

    def answer(self, session: Session, clock: Clock, tracker: Tracker) -> answers.Answer:
        return answers.carelon_portal_error(session, clock)


class ActionTherapyPriorAuth(StoreAction):
    def name(self) -> str:
        return "action_therapy_prior_auth"

    def answer(self, session: Session, clock: Clock, tracker: Tracker) -> answers.Answer:
        audience = tracker.get_slot("audience") or "provider"
        service_date = date_in_message(tracker, clock.today())
        return answers.therapy_prior_auth(session, clock, audience, service_date)
