"""The greeting, which mentions an active incident (topic answers live in actions.topics)."""

from __future__ import annotations

from rasa_sdk import Tracker
from sqlalchemy.orm import Session

from actions.base import StoreAction
from bot import answers
from bot.clock import Clock


class ActionGreet(StoreAction):
    def name(self) -> str:
        return "action_greet"

    def answer(self, session: Session, clock: Clock, tracker: Tracker) -> str:
        return answers.greeting(session, clock)
