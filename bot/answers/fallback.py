"""Out of scope and low confidence: short, honest, and a live channel instead of a guess."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.answers.core import Answer, route_answer
from bot.clock import Clock

#: Plain-language names for intents, used in "Did you mean …?".
INTENT_LABELS = {
    "ask_outage_status": "what's down right now",
    "ask_data_impact": "whether your health data was affected",
    "ask_pharmacy_help": "help with prescriptions (pharmacy line)",
    "ask_part_d_help": "Medicare Part D help",
    "ask_prior_auth": "prior authorization",
    "ask_claims_benefits": "seeing your claims or benefits",
    "ask_portal_registration": "registering for the Member Resource Center",
    "ask_open_enrollment": "open enrollment",
    "ask_email_followup": "an email you sent us",
    "ask_premium_payment": "paying your premium",
    "ask_contact": "how to reach a person",
    "ask_carelon_portal_error": "the Carelon portal error",
    "ask_therapy_prior_auth": "therapy prior authorization through Carelon",
}


def out_of_scope(session: Session, clock: Clock, audience: str = "member") -> Answer:
    return route_answer(
        session,
        clock,
        "general",
        audience,
        "out_of_scope_intro",
        "Sorry, I can't help with that here: I answer questions about your health plan and our "
        "current service status. For anything else about your plan, {action}",
        mention_down=False,
    )


def not_understood(session: Session, clock: Clock, audience: str = "member") -> Answer:
    return route_answer(
        session,
        clock,
        "general",
        audience,
        "fallback_intro",
        "Sorry, I'm not sure I understood, and I'd rather not guess. Could you rephrase? "
        "You can ask about the pharmacy line, Medicare Part D, prior authorizations, claims or "
        "what's down right now. To reach a person, {action}",
        mention_down=False,
    )
