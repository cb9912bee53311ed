"""Prior authorization: what applies to this service, on this date, for this person.

The decision reads the date rules in the store (waiver window, vendor portals, urgent
out-of-network window, therapy program), so staff can change dates without code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from bot.answers.core import Answer, route_answer
from bot.clock import Clock
from bot.formatting import day
from bot.models import DateRule
from bot.services import rules

CATEGORIES = ("pharmacy", "advanced_imaging", "outpatient_therapy", "other")
VENDOR_CATEGORIES = ("pharmacy", "advanced_imaging")
CATEGORY_LABELS = {
    "pharmacy": "pharmacy and medications",
    "advanced_imaging": "advanced imaging",
    "outpatient_therapy": "outpatient therapy",
    "other": "services",
}


@dataclass(frozen=True)
class PriorAuthCase:
    category: str
    network: str | None = None
    urgent: bool | None = None
    service_date: date | None = None
    audience: str | None = None


def missing(case: PriorAuthCase, session: Session) -> list[str]:
    """The questions still to ask, in order; only those that change the answer."""
    if case.category not in CATEGORIES:
        return ["service_category"]
    if case.category in VENDOR_CATEGORIES:
        return []
    needed = []
    if case.service_date is None:
        needed.append("service_date")
    if case.category == "outpatient_therapy" and case.service_date is not None:
        therapy = rules.find_rule(session, "therapy_carelon")
        if therapy is not None and therapy.applies_on(case.service_date):
            return needed
    if case.network is None:
        needed.append("network")
    elif case.network == "out_of_network":
        if case.urgent is None:
            needed.append("urgency")
        if case.audience is None:
            needed.append("audience")
    return needed


def _window(rule: DateRule) -> str:
    if rule.starts_on and rule.ends_on:
        return f"from {day(rule.starts_on)} through {day(rule.ends_on)}"
    if rule.starts_on:
        return f"from {day(rule.starts_on)}"
    return "at any time"


def answer(session: Session, clock: Clock, case: PriorAuthCase) -> Answer:
    audience = case.audience or "member"
    if case.category in VENDOR_CATEGORIES:
        return _vendor(session, clock, case, audience)
    if case.category == "outpatient_therapy" and case.service_date is not None:
        therapy = rules.find_rule(session, "therapy_carelon")
        if therapy is not None and therapy.applies_on(case.service_date):
            from bot.answers.providers import therapy_prior_auth

            return therapy_prior_auth(session, clock, audience, case.service_date)
    if case.network == "out_of_network":
        return _out_of_network(session, clock, case, audience)
    return _in_network(session, clock, case, audience)


def _vendor(session: Session, clock: Clock, case: PriorAuthCase, audience: str) -> Answer:
    vendor = rules.find_rule(session, "prior_auth_vendor_portals")
    topic = "prior_auth_pharmacy" if case.category == "pharmacy" else "prior_auth_imaging"
    lead = []
    if vendor is not None:
        topic = (vendor.params or {}).get("categories", {}).get(case.category, topic)
        if vendor.applies_on(clock.today()):
            lead.append(vendor.text)
    waiver = rules.find_rule(session, "prior_auth_waiver")
    if waiver is not None and waiver.applies_on(clock.today()):
        lead.append(
            f"The prior authorization waiver does not cover {CATEGORY_LABELS[case.category]}."
        )
    intro = (
        "To request prior authorization for {label}, {action}"
        if audience == "provider"
        else "Your provider requests {label} prior authorization; to check on one, {action}"
    )
    return route_answer(
        session,
        clock,
        topic,
        audience,
        f"{topic}_intro",
        intro,
        lead=lead,
        label=CATEGORY_LABELS[case.category],
    )


def _in_network(session: Session, clock: Clock, case: PriorAuthCase, audience: str) -> Answer:
    waiver = rules.find_rule(session, "prior_auth_waiver")
    on = case.service_date
    if waiver is not None and on is not None and waiver.applies_on(on):
        text = (
            f"No prior authorization is needed for in-network {CATEGORY_LABELS[case.category]}"
            f" on {day(on)}. {waiver.text}"
        )
        return Answer(text=text, topic="prior_auth", audience=audience)
    lead = []
    if waiver is not None and on is not None:
        lead.append(
            f"The prior authorization waiver covers in-network services {_window(waiver)}"
            f", so it does not apply to {day(on)}: the regular process applies."
        )
    intro = (
        "Submit the request as usual: {action}"
        if audience == "provider"
        else "Your provider submits the request as usual. For questions, {action}"
    )
    return route_answer(
        session, clock, "prior_auth", audience, "prior_auth_regular_intro", intro, lead=lead
    )


def _out_of_network(session: Session, clock: Clock, case: PriorAuthCase, audience: str) -> Answer:
    rule = rules.find_rule(session, "urgent_oon_prior_auth")
    on = case.service_date
    in_window = rule is not None and on is not None and rule.applies_on(on)
    params = (rule.params or {}) if rule else {}
    if case.urgent and in_window:
        topic = params.get("route", "prior_auth_urgent_oon")
        if audience == "provider":
            intro = "For an urgent out-of-network prior authorization, {action}"
        else:
            intro = (
                "Your provider's office can request an urgent out-of-network prior "
                "authorization through our answering service, which alerts the on-call "
                "nurse. If you have questions, {action}"
            )
        return route_answer(session, clock, topic, audience, f"{topic}_intro_{audience}", intro)
    topic = params.get("non_urgent_route", "prior_auth_non_urgent_oon")
    lead = []
    if case.urgent and rule is not None and not in_window and on is not None:
        lead.append(
            f"The urgent answering service covers services {_window(rule)}; for "
            f"{day(on)} the regular process applies."
        )
    intro = (
        "Non-urgent out-of-network requests follow the regular process: {action}"
        if audience == "provider"
        else "Out-of-network requests follow the regular process through your provider. "
        "For questions, {action}"
    )
    return route_answer(
        session,
        clock,
        topic,
        audience,
        f"{topic}_intro_{audience}",
        intro,
        lead=lead,
        alternatives=1 if audience == "provider" else 0,
    )
