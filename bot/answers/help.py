"""Member and provider help topics: which working channel to use, with the caveats that apply."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot import i18n
from bot.answers.core import Answer, route_answer
from bot.answers.status import (
    backlog_text,
    current_incidents,
    freshness_notes,
    freshness_sentence,
    incident_title,
    resolved_incidents,
)
from bot.clock import Clock
from bot.formatting import checked, day, place, sentence, when
from bot.services import routing, rules, texts, translations


def pharmacy(session: Session, clock: Clock, audience: str = "member") -> Answer:
    return route_answer(
        session,
        clock,
        "pharmacy",
        audience,
        "pharmacy_intro",
        "For help with prescriptions, {action}",
    )


def part_d(session: Session, clock: Clock, audience: str = "member") -> Answer:
    return route_answer(
        session,
        clock,
        "part_d",
        audience,
        "part_d_intro",
        "If you have Medicare Part D and need assistance, {action}",
    )


def contact(session: Session, clock: Clock, audience: str = "member") -> Answer:
    backlog = backlog_text(session, clock.now())
    return route_answer(
        session,
        clock,
        "contact",
        audience,
        "contact_intro",
        "The best way to reach us right now is to {action}",
        alternatives=1,
        notes=[backlog] if backlog else None,
    )


def claims(session: Session, clock: Clock, audience: str = "member") -> Answer:
    """Where to *see* claims and benefits, with the 'current through' caveat once."""
    notes = [freshness_sentence(row) for row in freshness_notes(session, clock.now())]
    offer = routing.offer(session, "claims", audience)
    first = offer.usable[0] if offer.usable else None
    if first is not None and first.kind == "portal":
        if audience == "member":
            see = i18n.t("You can see your benefits and claims by logging in to the {place}.")
        else:
            see = i18n.t(
                "You can see your patients' benefits and claims by logging in to the {place}."
            )
        lines = [see.format(place=place(first))]
        if not notes and first.status == "degraded" and first.status_note:
            lines.append(sentence(translations.prose(first, "status_note")))
        lines.extend(notes)
        lines.append(checked(clock))
        return Answer(
            text=" ".join(lines),
            topic="claims",
            audience=audience,
            offered=[first.key],
            unavailable=[c.key for c in offer.unavailable],
        )
    return route_answer(
        session,
        clock,
        "claims",
        audience,
        "claims_intro",
        "For your benefits and claims, {action}",
        notes=notes,
    )


def portal_registration(session: Session, clock: Clock, audience: str = "member") -> Answer:
    requirement = texts.render(
        session,
        "portal_registration_requirement",
        "It's easy to register through our website: all you'll need is your member ID card. "
        "After registering, you can log in right away and view your information.",
    )
    return route_answer(
        session,
        clock,
        "portal_registration",
        audience,
        "portal_registration_intro",
        "{requirement} Once you're in, {action}",
        requirement=requirement,
    )


def open_enrollment(session: Session, clock: Clock, audience: str = "member") -> Answer:
    """General answers always; specific status only when the systems that hold it are up."""
    now = clock.now()
    rule = rules.find_rule(session, "open_enrollment")
    lead: list[str] = []
    if rule is not None and rule.starts_on and rule.ends_on:
        today = now.date()
        title = translations.prose(rule, "title")
        if today < rule.starts_on:
            text = i18n.t("{title} starts {start} and runs through {end}.")
        elif today <= rule.ends_on:
            text = i18n.t("{title} is open now, through {end}.")
        else:
            text = i18n.t("{title} ended {end}.")
        lead.append(text.format(title=title, start=day(rule.starts_on), end=day(rule.ends_on)))
    needs = set((rule.params or {}).get("specific_help_needs", [])) if rule else set()
    blocked = [i for i in current_incidents(session, now) if needs & set(i.affected_systems)]
    if blocked:
        lead.append(
            texts.render(
                session,
                "enrollment_limited",
                "We're glad to answer general questions about open enrollment. Until our systems "
                "are operating again, we can't answer specific questions, such as your enrollment "
                "status, or help with completing forms. Once we're operating normally, please "
                "contact us and we'll be glad to help you enroll.",
            )
        )
        return route_answer(
            session,
            clock,
            "enrollment",
            audience,
            "enrollment_general_intro",
            "For general questions in the meantime, {action}",
            lead=lead,
            mention_down=False,
        )
    return route_answer(
        session,
        clock,
        "enrollment",
        audience,
        "enrollment_intro",
        "For your enrollment status or help with forms, {action}",
        lead=lead,
    )


EMAIL_INTAKE = "email_intake"
EMAIL_REPLIES = "email_replies"


def email_followup(session: Session, clock: Clock, audience: str = "member") -> Answer:
    """Resend only if our mailbox was not receiving; say when replies will come.

    Which it is comes from the incidents' affected systems: ``email_intake`` means messages
    may not have arrived (resend), ``email_replies`` means they arrived but answers wait.
    """
    now = clock.now()
    current = current_incidents(session, now)
    incidents = [*current, *resolved_incidents(session, now)]
    not_received = [i for i in incidents if EMAIL_INTAKE in (i.affected_systems or [])]
    if not_received:
        since = min(i.started_at for i in not_received)
        return route_answer(
            session,
            clock,
            "contact",
            audience,
            "email_followup_not_received",
            "Messages sent to us since {since} may not have reached us, so please send yours "
            "again. The best way right now is to {action}",
            since=when(since, clock),
        )
    lines = [
        texts.render(
            session,
            "email_followup",
            "We received your email and will reply as soon as we can; there is no need to send "
            "it again.",
        )
    ]
    delayed = [i for i in current if EMAIL_REPLIES in (i.affected_systems or [])]
    if delayed:
        lines.append(
            texts.render(
                session,
                "email_replies_delayed",
                "Replies are delayed while the {incident} continues; we will answer in the order "
                "messages arrived once it is over.",
                incident=incident_title(delayed[0], lower=True),
            )
        )
    backlog = backlog_text(session, now)
    if backlog:
        lines.append(backlog)
    lines.append(checked(clock))
    return Answer(text=" ".join(lines), topic="email_followup", audience=audience)


def premium_payment(session: Session, clock: Clock, audience: str = "member") -> Answer:
    """Only payment channels that are up; a down website is named as down, never linked."""
    return route_answer(
        session,
        clock,
        "payment",
        audience,
        "payment_intro",
        "To pay your premium, {action}",
        alternatives=1,
    )
