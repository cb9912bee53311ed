"""Answers built from the live store: what the assistant (and agents' tools) tell people.

Every answer is composed at request time, so a change in the store shows in the very next
answer. Wording comes from answer texts in the store where staff may want to change it.
"""

from bot.answers.core import Answer, route_answer
from bot.answers.fallback import not_understood, out_of_scope
from bot.answers.help import (
    claims,
    contact,
    email_followup,
    open_enrollment,
    part_d,
    pharmacy,
    portal_registration,
    premium_payment,
)
from bot.answers.prior_auth import PriorAuthCase
from bot.answers.providers import carelon_portal_error, therapy_prior_auth
from bot.answers.status import data_impact, greeting, outage_status

__all__ = [
    "Answer",
    "PriorAuthCase",
    "carelon_portal_error",
    "claims",
    "contact",
    "data_impact",
    "email_followup",
    "greeting",
    "not_understood",
    "open_enrollment",
    "out_of_scope",
    "outage_status",
    "part_d",
    "pharmacy",
    "portal_registration",
    "premium_payment",
    "route_answer",
    "therapy_prior_auth",
]
