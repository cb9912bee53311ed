"""What is going on: outage status, the data-impact statement, the greeting."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.answers.core import Answer, best_channel_text
from bot.clock import Clock
from bot.formatting import day, sentence, when
from bot.models import DataFreshness, Incident
from bot.services import channels as channel_service
from bot.services import incidents as incident_service
from bot.services import texts

DEFAULT_BACKLOG = (
    "We anticipate a high volume of phone calls and emails, which may result in longer wait "
    "times than usual."
)


def current_incidents(session: Session, now: datetime) -> list[Incident]:
    return [i for i in incident_service.active(session, now) if i.public]


def resolved_incidents(session: Session, now: datetime) -> list[Incident]:
    return [i for i in incident_service.recently_resolved(session, now) if i.public]


def freshness_notes(session: Session, now: datetime) -> list[DataFreshness]:
    """Lagging-data notes that still apply: from active or recently resolved incidents."""
    rows: list[DataFreshness] = []
    for incident in [*current_incidents(session, now), *resolved_incidents(session, now)]:
        rows.extend(incident.freshness)
    return rows


def freshness_sentence(row: DataFreshness) -> str:
    return sentence(f"{row.label} is current through {day(row.current_through)}")


def backlog_text(session: Session, now: datetime) -> str | None:
    """Expected waits: the incident's own note, or the standard backlog text after one."""
    for incident in current_incidents(session, now):
        if incident.backlog_note:
            return incident.backlog_note
    if resolved_incidents(session, now):
        return texts.render(session, "backlog", DEFAULT_BACKLOG)
    return None


def outage_status(session: Session, clock: Clock, audience: str = "member") -> Answer:
    """What is down, since when, what works, the latest update; or that it is resolved."""
    now = clock.now()
    current = current_incidents(session, now)
    lines: list[str] = []
    if current:
        lines.extend(_incident_paragraph(incident, clock) for incident in current)
        visible = [
            c
            for c in channel_service.list_channels(session)
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
                session,
                "restored_announcement",
                "We will post an announcement on the home page of our website when services are "
                "restored.",
            )
        )
    else:
        resolved = resolved_incidents(session, now)
        for incident in resolved:
            assert incident.resolved_at is not None
            lines.append(
                f"The {incident.title.lower()} has been resolved "
                f"(since {when(incident.resolved_at, clock)}) and we are fully operational "
                "during our normal business hours."
            )
        if resolved:
            lines.append(backlog_text(session, now) or DEFAULT_BACKLOG)
            lines.append(
                texts.render(
                    session,
                    "data_catching_up",
                    "As our systems come back online, some data may not be the most recent while "
                    "our team updates it.",
                )
            )
        else:
            lines.append(
                "There are no known service problems right now; all our lines are working."
            )
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
    parts.extend(freshness_sentence(row) for row in incident.freshness)
    return " ".join(sentence(p) for p in parts)


def data_impact(session: Session, clock: Clock, audience: str = "member") -> Answer:
    """The approved statement, verbatim, with when it was confirmed. Never improvised."""
    now = clock.now()
    candidates = [
        i
        for i in [*current_incidents(session, now), *resolved_incidents(session, now)]
        if i.data_impact_statement
    ]
    if not candidates:
        text = (
            "I don't have an approved statement about data impact right now, so I won't guess. "
            + best_channel_text(session, audience, "To ask a person, {action}")
        )
        return Answer(text=text, topic="data_impact", audience=audience)
    lines = []
    for incident in candidates:
        confirmed = incident.data_impact_confirmed_at or incident.updated_at
        stamp = f" (Statement confirmed {when(confirmed, clock)}.)" if confirmed else ""
        lines.append(
            f'About the {incident.title.lower()}: "{incident.data_impact_statement}"{stamp}'
        )
    return Answer(text=" ".join(lines), topic="data_impact", audience=audience)


def greeting(session: Session, clock: Clock) -> str:
    """Hello, plus a one-line heads-up when an incident is active."""
    now = clock.now()
    current = current_incidents(session, now)
    hello = texts.render(
        session,
        "greeting",
        "Hi! I can help with pharmacy and Medicare Part D lines, prior authorizations, claims, "
        "enrollment, payments and how to reach us.",
    )
    if not current:
        return hello
    titles = "; ".join(i.title for i in current)
    return (
        f"{hello} Heads-up: {titles} (as of {when(now, clock)}). "
        'Ask me "what\'s down?" for details.'
    )
