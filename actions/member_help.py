"""Claims, portal registration, open enrollment, email follow-up and premium payment."""

from __future__ import annotations

from rasa_sdk import Tracker
from sqlalchemy.orm import Session

from actions.base import StoreAction, audience_of
from bot import answers
from bot.clock import Clock


class ActionClaimsBenefits(StoreAction):
    def name(self) -> str:
        return "action_claims_benefits"

    def answer(self, session: Session, clock: Clock, tracker: Tracker) -> answers.Answer:
        return answers.claims(session, clock, audience_of(tracker))


class ActionPortalRegistration(StoreAction):
    def name(self) -> str:
        return "action_portal_registration"

    def answer(self, session: Session, clock: Clock, tracker: Tracker) -> answers.Answer:
        return answers.portal_registration(session, clock, audience_of(tracker))


class ActionOpenEnrollment(StoreAction):
    def name(self) -> str:
        return "action_open_enrollment"

    def answer(self, session: Session, clock: Clock, tracker: Tracker) -> answers.Answer:
        return answers.open_enrollment(session, clock, "member")


class ActionEmailFollowup(StoreAction):
    def name(self) -> str:
        return "action_email_followup"

    def answer(self, session: Session, clock: Clock, tracker: Tracker) -> answers.Answer:
        return answers.email_followup(session, clock, audience_of(tracker))


class ActionPremiumPayment(StoreAction):
    def name(self) -> str:
        return "action_premium_payment"

    def answer(self, session: Session, clock: Clock, tracker: Tracker) -> answers.Answer:
        return answers.premium_payment(session, clock, "member")
