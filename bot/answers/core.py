"""Building blocks of answers: the Answer record, route offers, freshness stamps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from bot import formatting, i18n
from bot.clock import Clock
from bot.formatting import checked, how_to_reach, sentence
from bot.models import Channel
from bot.services import routing, texts, translations

ALL_DOWN_NOTHING = (
    "I'm sorry: none of our phone lines or online services for this are working right now. "
    "We will post an announcement on the home page of our website when services are "
    "restored. If this is a medical emergency, call 911."
)


@dataclass
class Answer:
    text: str
    topic: str
    audience: str
    offered: list[str] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)
    #: Quick replies: [{"title": ..., "payload": ...}].
    buttons: list[dict[str, Any]] = field(default_factory=list)
    #: The language it is written in.
    language: str = "en"


def _down_phrase(channels: list[Channel]) -> str:
    parts = []
    for c in channels:
        status_note = translations.prose(c, "status_note")
        note = f": {status_note.rstrip('.')}" if status_note else ""
        text = i18n.t("The {name} is not available right now{note}.")
        # sentence(): a Spanish name starts with its article ("la línea …"), lower case.
        parts.append(sentence(text.format(name=formatting.name(c), note=note)))
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
    mention_down: bool = True,
    lead: list[str] | None = None,
    notes: list[str] | None = None,
    **values: str,
) -> Answer:
    """Offer the first working channel for a topic; say plainly which ones are down."""
    offer = routing.offer(session, topic, audience)
    lines: list[str] = list(lead or [])
    primary_down = offer.skipped if mention_down else []
    if offer.all_down:
        lines.append(no_channel_text(session, clock, audience, exclude=offer.unavailable))
    else:
        first, *rest = offer.usable
        intro = texts.render(
            session,
            intro_key,
            intro_default,
            action=how_to_reach(first),
            channel=formatting.name(first),
            **values,
        )
        lines.append(sentence(intro))
        for extra in rest[:alternatives]:
            also = i18n.t("You can also {action}").format(action=how_to_reach(extra))
            lines.append(sentence(also))
    if primary_down:
        lines.append(_down_phrase(primary_down))
    lines.extend(notes or [])
    lines.append(checked(clock))
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
    return texts.render(session, "all_down_nothing", ALL_DOWN_NOTHING)


def best_channel_text(session: Session, audience: str, template: str) -> str:
    """One sentence naming the best working general channel (or what to do if none)."""
    usable = routing.offer(session, routing.GENERAL, audience).usable
    if not usable:
        return texts.render(session, "all_down_nothing", ALL_DOWN_NOTHING)
    return sentence(i18n.t(template).format(action=how_to_reach(usable[0])))
