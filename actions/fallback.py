"""Out of scope and low confidence: a short honest answer plus the best live channel."""

from __future__ import annotations

from rasa_sdk import Tracker
from sqlalchemy.orm import Session

from actions.base import StoreAction, audience_of
from bot import answers
from bot.clock import Clock


class ActionOutOfScope(StoreAction):
    def name(self) -> str:
        return "action_out_of_scope"

    def answer(self, session: Session, clock: Clock, tracker: Tracker) -> answers.Answer:
        return answers.out_of_scope(session, clock, audience_of(tracker))


class ActionFallback(StoreAction):
    def name(self) -> str:
        return "action_fallback"

    def answer(self, session: Session, clock: Clock, tracker: Tracker) -> answers.Answer:
        return answers.not_understood(session, clock, audience_of(tracker))
