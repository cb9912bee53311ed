"""Provider topics: the Carelon portal error and therapy prior authorization through Carelon."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from bot.answers.core import Answer, route_answer
from bot.clock import Clock
from bot.formatting import day
from bot.services import rules, texts

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
    """Effective date and the 30-day submission limit, computed for a service date if given."""
    rule = rules.find_rule(session, "therapy_carelon")
    if rule is None or rule.starts_on is None:
        return route_answer(
            session,
            clock,
            "therapy_prior_auth",
            audience,
            "therapy_intro",
            "For outpatient therapy prior authorization, {action}",
        )
    today = clock.today()
    params = rule.params or {}
    limit = int(params.get("max_days_in_advance", 30))
    starts = "starts" if today < rule.starts_on else "started"
    lead = [
        f"Prior authorization review of outpatient therapy ({params.get('members', 'members')}) "
        f"through Carelon {starts} {day(rule.starts_on)}.",
        rule.text,
    ]
    if service_date is not None:
        earliest = service_date - timedelta(days=limit)
        if service_date < rule.starts_on:
            lead.append(
                f"A service on {day(service_date)} is before the program starts, so the "
                "current process applies to it."
            )
        elif today < earliest:
            lead.append(
                f"For a service on {day(service_date)}, submit on or after "
                f"{day(earliest)} ({limit} days before)."
            )
        else:
            lead.append(f"For a service on {day(service_date)}, you can submit now.")
    intro = (
        "To submit a request, {action}"
        if audience == "provider"
        else "Your therapist's office submits the request. For questions, {action}"
    )
    return route_answer(
        session, clock, "therapy_prior_auth", audience, "therapy_intro", intro, lead=lead
    )
