"""Answers built from the live store: what the assistant (and agents' tools) tell people.

Every answer is composed at request time, so a change in the store shows in the very next
answer. Wording comes from answer texts in the store where staff may want to change it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.formatting import how_to_reach, sentence, when
from bot.models import Channel, Incident
from bot.services import channels as channel_service
from bot.services import incidents as incident_service
from bot.services import routing, texts


@dataclass
class Answer:
    text: str
    topic: str
    audience: str
    offered: list[str] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)


def status_stamp(channels: list[Channel], now: datetime, clock: Clock) -> str:
    """How fresh the channel statuses in this answer are."""
    stamps = [c.updated_at for c in channels if c.updated_at is not None]
    if stamps:
        return f"(Line status last updated {when(max(stamps), clock)}; checked {when(now, clock)}.)"
    return f"(Line status checked {when(now, clock)}.)"


def _down_phrase(channels: list[Channel]) -> str:
    parts = []
    for c in channels:
        note = f": {c.status_note.rstrip('.')}" if c.status_note else ""
        parts.append(f"The {c.name} is not available right now{note}.")
    return " ".join(parts)


def route_answer(
    session: Session,
    clock: Clock,
    topic: str,
    audience: str,
    intro_key: str,
    intro_default: str,
    *,
    alternatives: int = 0,
) -> Answer:
    """Offer the first working channel for a topic; say plainly which ones are down."""
    now = clock.now()
    offer = routing.offer(session, topic, audience)
    lines: list[str] = []
    primary_down = offer.skipped
    if primary_down:
        lines.append(_down_phrase(primary_down))
    if offer.all_down:
        lines.append(no_channel_text(session, clock, audience, exclude=offer.unavailable))
    else:
        first, *rest = offer.usable
        intro = texts.render(session, intro_key, intro_default, action=how_to_reach(first))
        lines.append(("Instead: " if primary_down else "") + sentence(intro))
        for extra in rest[:alternatives]:
            lines.append(sentence(f"You can also {how_to_reach(extra)}"))
    shown = offer.usable[: 1 + alternatives] + offer.unavailable
    lines.append(status_stamp(shown, now, clock))
    return Answer(
        text=" ".join(line for line in lines if line),
        topic=topic,
        audience=audience,
        offered=[c.key for c in offer.usable[: 1 + alternatives]],
        unavailable=[c.key for c in offer.unavailable],
    )


def no_channel_text(
    session: Session, clock: Clock, audience: str, exclude: list[Channel] | None = None
) -> str:
    """When every channel for a topic is down: the best general channel, or what to do instead."""
    skip = {c.key for c in exclude or []}
    general = routing.offer(session, routing.GENERAL, audience)
    usable = [c for c in general.usable if c.key not in skip]
    if usable:
        return sentence(
            texts.render(
                session,
                "all_down_fallback",
                "None of the usual ways to get this help are working right now. "
                "The best way to reach us at the moment is to {action}",
                action=how_to_reach(usable[0]),
            )
        )
    return texts.render(
        session,
        "all_down_nothing",
        "I'm sorry: none of our phone lines or online services for this are working right now. "
        "We will post an announcement on the home page of our website when services are "
        "restored. If this is a medical emergency, call 911.",
    )


def pharmacy(session: Session, clock: Clock, audience: str = "member") -> Answer:
    return route_answer(
        session, clock, "pharmacy", audience, "pharmacy_intro",
        "If you need help with prescriptions, {action}",
    )


def part_d(session: Session, clock: Clock, audience: str = "member") -> Answer:
    return route_answer(
        session, clock, "part_d", audience, "part_d_intro",
        "If you have Medicare Part D and need assistance, {action}",
    )


def contact(session: Session, clock: Clock, audience: str = "member") -> Answer:
    return route_answer(
        session, clock, "contact", audience, "contact_intro",
        "The best way to reach us right now is to {action}", alternatives=1,
    )


def outage_status(session: Session, clock: Clock, audience: str = "member") -> Answer:
    """What is down, since when, what works, the latest update; or that it is resolved."""
    now = clock.now()
    current = [i for i in incident_service.active(session, now) if i.public]
    lines: list[str] = []
    if current:
        for incident in current:
            lines.append(_incident_paragraph(incident, clock))
        visible = [
            c for c in channel_service.list_channels(session)
            if c.public and c.audience in (audience, "all")
        ]
        down = [c.name for c in visible if c.status == "down"]
        working = [c.name for c in visible if c.status != "down"]
        if down:
            lines.append(f"Not working right now: {', '.join(down)}.")
        if working:
            lines.append(f"Working: {', '.join(working)}.")
        lines.append(
            texts.render(
                session, "restored_announcement",
                "We will post an announcement on the home page of our website when services "
                "are restored.",
            )
        )
    else:
        resolved = [i for i in incident_service.recently_resolved(session, now) if i.public]
        if resolved:
            for incident in resolved:
                assert incident.resolved_at is not None
                lines.append(
                    f"The {incident.title.lower()} has been resolved "
                    f"(since {when(incident.resolved_at, clock)}) and we are fully operational "
                    "during normal business hours."
                )
            lines.append(
                texts.render(
                    session, "backlog",
                    "We anticipate a high volume of calls and emails, which may mean longer "
                    "waits than usual.",
                )
            )
        else:
            lines.append("There are no known service problems right now; all our lines are working.")
    lines.append(f"(Status checked {when(now, clock)}.)")
    return Answer(text=" ".join(lines), topic="outage_status", audience=audience)


def _incident_paragraph(incident: Incident, clock: Clock) -> str:
    parts = [f"{incident.title} (since {when(incident.started_at, clock)}): {incident.summary}"]
    if incident.working_note:
        parts.append(incident.working_note)
    public_updates = [u for u in incident.updates if u.public]
    if public_updates:
        latest = public_updates[-1]
        parts.append(f"Latest update ({when(latest.posted_at, clock)}): {latest.body}")
    for row in incident.freshness:
        parts.append(f"{row.label} is current through {row.current_through:%B} "
                     f"{row.current_through.day}, {row.current_through.year}.")
    return " ".join(sentence(p) for p in parts)


def greeting(session: Session, clock: Clock) -> str:
    """Hello, plus a one-line heads-up when an incident is active."""
    now = clock.now()
    current = [i for i in incident_service.active(session, now) if i.public]
    hello = texts.render(
        session, "greeting",
        "Hi! I can help with pharmacy and Medicare Part D lines, prior authorizations, claims, "
        "enrollment, payments and how to reach us.",
    )
    if not current:
        return hello
    titles = "; ".join(i.title for i in current)
    return (f"{hello} Heads-up: {titles} (as of {when(now, clock)}). "
            "Ask me \"what's down?\" for details.")


def out_of_scope(session: Session, clock: Clock, audience: str = "member") -> Answer:
    return route_answer(
        session, clock, "general", audience, "out_of_scope_intro",
        "Sorry, I can't help with that here: I answer questions about your health plan and our "
        "current service status. For anything else about your plan, {action}",
    )


def not_understood(session: Session, clock: Clock, audience: str = "member") -> Answer:
    return route_answer(
        session, clock, "general", audience, "fallback_intro",
        "Sorry, I'm not sure I understood, and I'd rather not guess. Could you rephrase? "
        "You can ask about the pharmacy line, Medicare Part D, prior authorizations, claims or "
        "what's down right now. To reach a person, {action}",
    )
