"""How to reach a person: channels that are up for this audience."""

from __future__ import annotations

from rasa_sdk import Tracker
from sqlalchemy.orm import Session

from actions.base import StoreAction, audience_of
from bot import answers
from bot.clock import Clock


class ActionContact(StoreAction):
    def name(self) -> str:
        return "action_contact"

    def answer(self, session: Session, clock: Clock, tracker: Tracker) -> answers.Answer:
        return answers.contact(session, clock, audience_of(tracker))
