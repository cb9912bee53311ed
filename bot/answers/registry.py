"""Which answer (and which routing topic) belongs to which intent.

One table shared by the agents' lookup (`bot ask`, the agent page) so that what an agent
sees is exactly what the assistant would say. Intents without a store answer (small talk)
map to None.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.answers import fallback, help, providers, status
from bot.answers.core import Answer, route_answer
from bot.clock import Clock
from bot.formatting import day
from bot.services import rules

AnswerFn = Callable[[Session, Clock, str], Answer]


def prior_auth_overview(session: Session, clock: Clock, audience: str = "member") -> Answer:
    """Prior-auth rules in force today, for a lookup without the form's questions."""
    today = clock.today()
    lead = []
    for key in ("prior_auth_waiver", "prior_auth_vendor_portals", "urgent_oon_prior_auth"):
        rule = rules.find_rule(session, key)
        if rule is not None and rule.applies_on(today):
            lead.append(rule.text)
    if not lead:
        lead.append(f"No special prior authorization rules apply on {day(today)}.")
    return route_answer(
        session,
        clock,
        "prior_auth",
        audience,
        "prior_auth_overview_intro",
        "For a specific request, {action}",
        lead=lead,
    )


@dataclass(frozen=True)
class Entry:
    topic: str
    answer: AnswerFn


REGISTRY: dict[str, Entry] = {
    "ask_outage_status": Entry("general", status.outage_status),
    "ask_data_impact": Entry("general", status.data_impact),
    "ask_pharmacy_help": Entry("pharmacy", help.pharmacy),
    "ask_part_d_help": Entry("part_d", help.part_d),
    "ask_prior_auth": Entry("prior_auth", prior_auth_overview),
    "ask_claims_benefits": Entry("claims", help.claims),
    "ask_portal_registration": Entry("portal_registration", help.portal_registration),
    "ask_open_enrollment": Entry("enrollment", help.open_enrollment),
    "ask_email_followup": Entry("general", help.email_followup),
    "ask_premium_payment": Entry("payment", help.premium_payment),
    "ask_contact": Entry("contact", help.contact),
    "ask_carelon_portal_error": Entry("contact", providers.carelon_portal_error),
    "ask_therapy_prior_auth": Entry("therapy_prior_auth", providers.therapy_prior_auth),
    "out_of_scope": Entry("general", fallback.out_of_scope),
    "nlu_fallback": Entry("general", fallback.not_understood),
}


def lookup(session: Session, clock: Clock, intent: str, audience: str = "member") -> Answer | None:
    entry = REGISTRY.get(intent)
    return None if entry is None else entry.answer(session, clock, audience)
