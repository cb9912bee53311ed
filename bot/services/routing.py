"""Routes: for a topic and audience, which channels to offer, in order, never a down one."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import validation
from bot.db import lock_name
from bot.errors import Invalid, NotFound
from bot.models import Channel, Route
from bot.services.channels import get_channel

#: The fallback topic when a topic has no route for an audience.
GENERAL = "general"


@dataclass
class Offer:
    """What to tell a person for one topic: channels that work, and which ones don't."""

    topic: str
    audience: str
    ordered: list[Channel] = field(default_factory=list)

    @property
    def usable(self) -> list[Channel]:
        return [c for c in self.ordered if c.is_up]

    @property
    def unavailable(self) -> list[Channel]:
        return [c for c in self.ordered if not c.is_up]

    @property
    def skipped(self) -> list[Channel]:
        """Down channels ranked before the first working one: the ones people expect."""
        result = []
        for channel in self.ordered:
            if channel.is_up:
                break
            result.append(channel)
        return result

    @property
    def all_down(self) -> bool:
        return not self.usable

    def best(self, count: int = 1) -> list[Channel]:
        return self.usable[:count]


def topics(session: Session) -> list[str]:
    return sorted(set(session.scalars(select(Route.topic))))


def route_channels(session: Session, topic: str, audience: str) -> list[Channel]:
    rows = session.scalars(
        select(Route)
        .where(Route.topic == topic, Route.audience == audience)
        .order_by(Route.position)
    )
    return [r.channel for r in rows]


def offer(session: Session, topic: str, audience: str) -> Offer:
    """Channels to offer for ``topic``; falls back to the general route for unknown pairs."""
    validation.audience(audience)
    channels = route_channels(session, topic, audience)
    if not channels and topic != GENERAL:
        known = topics(session)
        if topic not in known:
            raise NotFound("topic", topic, known)
        channels = route_channels(session, GENERAL, audience)
    return Offer(topic=topic, audience=audience, ordered=channels)


def _stored(session: Session, topic: str, audience: str) -> list[Route]:
    return list(
        session.scalars(select(Route).where(Route.topic == topic, Route.audience == audience))
    )


def route_version(session: Session, topic: str, audience: str, *, lock: bool = False) -> int | None:
    """The version of one topic/audience's stored list (None: it has none of its own).

    A list is replaced row by row, so its version is carried by all of its rows; ``lock``
    holds off other writers of the list until this transaction ends.
    """
    if lock:
        lock_name(session, f"route/{topic}/{audience}")
    versions = [r.version for r in _stored(session, topic, audience)]
    return max(versions) if versions else None


def set_route(session: Session, topic: str, audience: str, channel_keys: list[str]) -> list[Route]:
    """Replace the ordered channel list of one topic/audience (its version goes up by one)."""
    validation.key("topic", topic)
    validation.audience(audience)
    if not channel_keys:
        raise Invalid("channels", "give at least one channel")
    channels = [get_channel(session, k) for k in channel_keys]
    version = (route_version(session, topic, audience, lock=True) or 0) + 1
    for route in _stored(session, topic, audience):
        session.delete(route)
    session.flush()
    routes = [
        Route(topic=topic, audience=audience, position=i, channel=c, version=version)
        for i, c in enumerate(channels, start=1)
    ]
    session.add_all(routes)
    return routes


def require_topic(session: Session, topic: str) -> None:
    if topic not in topics(session):
        raise NotFound("topic", topic, topics(session))
