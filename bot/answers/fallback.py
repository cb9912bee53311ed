"""Out of scope and low confidence: short, honest, and a live channel instead of a guess."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot import i18n
from bot.answers.core import Answer, route_answer
from bot.clock import Clock


def out_of_scope(
    session: Session, clock: Clock, audience: str = "member", organisation: str | None = None
) -> Answer:
    """The honest answer; when the message named another company, say it is theirs to answer."""
    lead = None
    if organisation:
        text = i18n.t(
            "That sounds like a question for {organisation}: please contact them directly."
        )
        lead = [text.format(organisation=organisation)]
    return route_answer(
        session,
        clock,
        "general",
        audience,
        "out_of_scope_intro",
        "Sorry, I can't help with that here: I answer questions about your health plan and our "
        "current service status. For anything else about your plan, {action}",
        mention_down=False,
        lead=lead,
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
