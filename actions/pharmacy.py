"""Pharmacy and Medicare Part D lines, offered only while they are up."""

from __future__ import annotations

from rasa_sdk import Tracker
from sqlalchemy.orm import Session

from actions.base import StoreAction, audience_of
from bot import answers
from bot.clock import Clock


class ActionPharmacyHelp(StoreAction):
    def name(self) -> str:
        return "action_pharmacy_help"

    def answer(self, session: Session, clock: Clock, tracker: Tracker) -> answers.Answer:
        return answers.pharmacy(session, clock, audience_of(tracker))


class ActionPartDHelp(StoreAction):
    def name(self) -> str:
        return "action_part_d_help"

    def answer(self, session: Session, clock: Clock, tracker: Tracker) -> answers.Answer:
        return answers.part_d(session, clock, audience_of(tracker))
