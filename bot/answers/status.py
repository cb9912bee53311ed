"""What is going on: outage status, the data-impact statement, the greeting."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot import formatting, i18n
from bot.answers.core import Answer, best_channel_text
from bot.clock import Clock
from bot.formatting import checked, day, sentence, short_when, when
from bot.models import Channel, DataFreshness, Incident, IncidentUpdate
from bot.services import channels as channel_service
from bot.services import incidents as incident_service
from bot.services import mentions, texts, translations

DEFAULT_BACKLOG = incident_service.DEFAULT_BACKLOG


def current_incidents(session: Session, now: datetime) -> list[Incident]:
    return [i for i in incident_service.active(session, now) if i.public]


def public_updates(incident: Incident, now: datetime) -> list[IncidentUpdate]:
    """The timeline people may see at ``now``: public, and already posted (no future facts)."""
    return [u for u in incident.updates if u.public and u.posted_at <= now]


def resolved_incidents(session: Session, now: datetime) -> list[Incident]:
    return [i for i in incident_service.recently_resolved(session, now) if i.public]


def freshness_notes(session: Session, now: datetime) -> list[DataFreshness]:
    """Lagging-data notes that still apply: from active or recently resolved incidents."""
    rows: list[DataFreshness] = []
    for incident in [*current_incidents(session, now), *resolved_incidents(session, now)]:
        rows.extend(incident.freshness)
    return rows


def freshness_sentence(row: DataFreshness) -> str:
    text = i18n.t("{label} is current through {date}")
    return sentence(
        text.format(label=translations.prose(row, "label"), date=day(row.current_through))
    )


def incident_title(incident: Incident, *, lower: bool = False) -> str:
    """The incident's title in the language spoken; ``lower`` inside a sentence ("the internet
    and phone service outage"). English lower-cases all of it, as it always has; another
    language only its first letter, so names in it (Carelon, Vermont) keep their capitals."""
    title = str(translations.prose(incident, "title") or "")
    if not lower:
        return title
    return title.lower() if i18n.current().english else title[:1].lower() + title[1:]


def backlog_text(session: Session, now: datetime) -> str | None:
    """Expected waits: an incident's own note while it runs, and after it until staff clear it.

    Resolving an incident stores the standard backlog notice on it (see
    :func:`bot.services.incidents.resolve`); it is shown until an editor empties it.
    """
    for incident in current_incidents(session, now):
        if incident.backlog_note:
            return translations.prose(incident, "backlog_note")
    for incident in incident_service.resolved_with_backlog(session, now):
        if incident.public:
            return translations.prose(incident, "backlog_note")
    return None


def _visible_channels(session: Session, audience: str) -> list[Channel]:
    return [
        c
        for c in channel_service.list_channels(session)
        if c.public and c.audience in (audience, "all")
    ]


def _has_number(channel: Channel) -> bool:
    return channel.kind in ("phone", "answering_service") and any(
        ch.isdigit() for ch in channel.contact
    )


def _named(channel: Channel) -> str:
    """A working channel as a person can use it: its number, and "limited" when degraded."""
    name = formatting.name(channel)
    named = f"{name} {channel.contact}" if _has_number(channel) else name
    return i18n.t("{name} (limited)").format(name=named) if channel.status == "degraded" else named


def _usable_first(working: list[Channel]) -> list[Channel]:
    """Lines with a number first (what a frightened caller needs), then the rest."""
    return sorted(working, key=lambda c: (not _has_number(c), c.status == "degraded"))


def _listed(names: list[str], room: int) -> str:
    """As many names as fit in ``room`` characters, then 'and N more'."""
    shown: list[str] = []
    for i, name in enumerate(names):
        rest = len(names) - i - 1
        candidate = "; ".join([*shown, name])
        if len(candidate) > room and shown:
            more = i18n.t("{names}; and {count} more")
            return more.format(names="; ".join(shown), count=len(names) - len(shown))
        shown.append(name)
        if rest == 0:
            break
    return "; ".join(shown)


DETAIL_TITLE = "What's affected?"
DETAIL_BUTTON = {"title": DETAIL_TITLE, "payload": '/ask_outage_status{"detail":"affected"}'}


def _detail_button() -> dict[str, str]:
    return {**DETAIL_BUTTON, "title": i18n.t(DETAIL_TITLE)}


#: The short status answer stays under this many characters; the detail is one tap away.
SHORT_LIMIT = 400


def outage_status(
    session: Session, clock: Clock, audience: str = "member", *, detail: bool = False
) -> Answer:
    """What is down and what works, computed from channel states; the prose only in detail."""
    now = clock.now()
    current = current_incidents(session, now)
    visible = _visible_channels(session, audience)
    down = [c for c in visible if c.status == "down"]
    working = [c for c in visible if c.status != "down"]
    lines: list[str] = []
    not_working = "; ".join(formatting.name(c) for c in down)
    if current:
        since = i18n.t("{title} (since {time})")
        titles = "; ".join(
            since.format(title=incident_title(i), time=short_when(i.started_at, clock))
            for i in current
        )
        lines.append(i18n.t("Right now: {titles}.").format(titles=titles))
        if down:
            lines.append(sentence(i18n.t("Not working: {names}").format(names=not_working)))
        if working:
            used = len(" ".join(lines)) + len(checked(clock)) + 12
            named = _listed([_named(c) for c in _usable_first(working)], SHORT_LIMIT - used)
            lines.append(sentence(i18n.t("Working: {names}").format(names=named)))
    else:
        resolved = resolved_incidents(session, now)
        for incident in resolved[:1]:
            assert incident.resolved_at is not None
            lines.append(
                i18n.t("The {incident} was resolved ({time}).").format(
                    incident=incident_title(incident, lower=True),
                    time=short_when(incident.resolved_at, clock),
                )
            )
        if down:
            still = (
                i18n.t("Still not working: {names}") if resolved else i18n.t("Not working: {names}")
            )
            lines.append(sentence(still.format(names=not_working)))
        elif resolved or incident_service.resolved_with_backlog(session, now):
            lines.append(i18n.t("We are fully operational during our normal business hours."))
        else:
            lines.append(
                i18n.t("There are no known service problems right now; all our lines are working.")
            )
        backlog = backlog_text(session, now)
        if backlog and not detail:
            lines.append(backlog)
    if detail:
        lines.extend(_details(session, clock, current, now))
    lines.append(checked(clock))
    return Answer(
        text=" ".join(lines),
        topic="outage_status",
        audience=audience,
        offered=[c.key for c in working],
        unavailable=[c.key for c in down],
        buttons=[] if detail or not (current or down) else [_detail_button()],
    )


def _details(session: Session, clock: Clock, current: list[Incident], now: datetime) -> list[str]:
    """The incidents' own words (summaries, latest update, lagging data, what comes next)."""
    lines = []
    for incident in current:
        summary = translations.prose(incident, "summary")
        lines.append(sentence(mentions.present(session, summary)))
        shown = public_updates(incident, now)
        if shown:
            latest = shown[-1]
            body = sentence(mentions.present(session, translations.prose(latest, "body")))
            lines.append(
                i18n.t("Latest update ({time}): {update}").format(
                    time=short_when(latest.posted_at, clock), update=body
                )
            )
    lines.extend(freshness_sentence(row) for row in freshness_notes(session, now))
    backlog = backlog_text(session, now)
    if backlog:
        lines.append(backlog)
    if current:
        lines.append(
            texts.render(
                session,
                "restored_announcement",
                "We will post an announcement on the home page of our website when services are "
                "restored.",
            )
        )
    return lines


def data_impact(session: Session, clock: Clock, audience: str = "member") -> Answer:
    """The approved statement, verbatim, with when it was confirmed. Never improvised."""
    now = clock.now()
    # An approved statement stays true after the incident is resolved: keep answering it.
    candidates = [
        i
        for i in incident_service.list_incidents(session)
        if i.public and i.data_impact_statement and i.started_at <= now
    ][:2]
    if not candidates:
        none = i18n.t(
            "I don't have an approved statement about data impact right now, so I won't guess."
        )
        ask = best_channel_text(session, audience, "To ask a person, {action}")
        return Answer(text=f"{none} {ask}", topic="data_impact", audience=audience)
    lines = []
    for incident in candidates:
        confirmed = incident.data_impact_confirmed_at or incident.updated_at
        stamp = ""
        if confirmed:
            stamp = " " + i18n.t("(Statement confirmed {time}.)").format(
                time=when(confirmed, clock)
            )
        lines.append(
            i18n.t('About the {incident}: "{statement}"{stamp}').format(
                incident=incident_title(incident, lower=True),
                statement=translations.prose(incident, "data_impact_statement"),
                stamp=stamp,
            )
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
    titles = "; ".join(incident_title(i) for i in current)
    heads_up = i18n.t('Heads-up: {titles} (as of {time}). Ask me "what\'s down?" for details.')
    return f"{hello} {heads_up.format(titles=titles, time=when(now, clock))}"
