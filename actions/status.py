"""What is going on: outage status, data impact, and a greeting that mentions incidents."""

from __future__ import annotations

from rasa_sdk import Tracker
from sqlalchemy.orm import Session

from actions.base import StoreAction, audience_of
from bot import answers
from bot.clock import Clock


class ActionOutageStatus(StoreAction):
    def name(self) -> str:
        return "action_outage_status"

    def answer(self, session: Session, clock: Clock, tracker: Tracker) -> answers.Answer:
        return answers.outage_status(session, clock, audience_of(tracker))


class ActionDataImpact(StoreAction):
    def name(self) -> str:
        return "action_data_impact"

    def answer(self, session: Session, clock: Clock, tracker: Tracker) -> answers.Answer:
        return answers.data_impact(session, clock, audience_of(tracker))


class ActionGreet(StoreAction):
    def name(self) -> str:
        return "action_greet"

    def answer(self, session: Session, clock: Clock, tracker: Tracker) -> str:
        return answers.greeting(session, clock)
