"""Provider topics: the Carelon portal error and therapy prior authorization through Carelon."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from bot.answers import prior_auth
from bot.answers.core import Answer, route_answer
from bot.answers.prior_auth_table import THERAPY
from bot.clock import Clock
from bot.services import texts

CARELON_FIX = (
    'If you see the "Apologies" page after entering the member\'s information and selecting '
    'the "Rehabilitation" icon: 1. In the Carelon portal, select "Manage Your User '
    'Profile." 2. Select the "User Information" tab. 3. Enter your information in the '
    'orange required fields and select "Save." 4. Select the "Home" icon to return to the '
    "home page and submit your request."
)


def carelon_portal_error(session: Session, clock: Clock, audience: str = "provider") -> Answer:
    fix = texts.render(session, "carelon_apologies_fix", CARELON_FIX)
    demographics = texts.render(
        session,
        "carelon_demographics",
        'If the portal asks for your demographic information instead, add it on the "User '
        'Information" tab of the "User Profile" page; it is required to continue.',
    )
    return route_answer(
        session,
        clock,
        "contact",
        "provider",
        "carelon_help_intro",
        "If it still doesn't work, {action}",
        lead=[fix, demographics],
    )


def therapy_prior_auth(
    session: Session, clock: Clock, audience: str = "provider", service_date: date | None = None
) -> Answer:
    """Outpatient therapy prior authorization, decided by the prior-authorization table.

    With a service date: the table's answer for therapy on that date (Carelon with the
    advance limit inside a known program, otherwise the rules for any other service).
    Without one: the Carelon program if it is known today, else what we need to know.
    """
    if service_date is None:
        return prior_auth.therapy_overview(session, clock, audience)
    case = prior_auth.PriorAuthCase(THERAPY, service_date=service_date, audience=audience)
    return prior_auth.answer(session, clock, case)
