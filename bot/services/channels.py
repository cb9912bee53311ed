"""Channels: every way to reach the plan, with a live status."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import validation
from bot.db import for_change
from bot.errors import NotFound
from bot.models import Channel
from bot.services import mentions


def list_channels(session: Session) -> list[Channel]:
    return list(session.scalars(select(Channel).order_by(Channel.key)))


def find_channel(session: Session, key: str, *, lock: bool = False) -> Channel | None:
    """The channel, or None; ``lock``: it is about to be changed (see :func:`db.for_change`)."""
    query = select(Channel).where(Channel.key == key)
    return session.scalar(for_change(query) if lock else query)


def get_channel(session: Session, key: str, *, lock: bool = False) -> Channel:
    channel = find_channel(session, key, lock=lock)
    if channel is None:
        raise NotFound("channel", key, [c.key for c in list_channels(session)])
    return channel


def set_status(session: Session, key: str, status: str, note: str | None = None) -> Channel:
    """Mark a channel up, degraded or down; the note says why (shown to people).

    Outgoing messages that send people to it are held in the same transaction.
    """
    channel = get_channel(session, key, lock=True)
    channel.status = validation.channel_status(status)
    channel.status_note = validation.text("note", note, max_len=1000, required=False)
    _hold_messages(session, channel)
    return channel


def _hold_messages(session: Session, channel: Channel) -> None:
    from bot.services import outbound  # outbound -> incidents -> channels: import late

    outbound.hold_naming(session, channel)


def upsert_channel(session: Session, data: dict[str, Any]) -> Channel:
    """Create or replace a channel; texts are linked afresh if how it is named changed."""
    key = validation.key("key", data.get("key"))
    kind = validation.channel_kind(data.get("kind"))
    channel = find_channel(session, key, lock=True)
    before = None
    if channel is None:
        channel = Channel(key=key)
        session.add(channel)
    else:
        before = (channel.name, channel.contact, list(channel.aliases or []))
    channel.name = validation.text("name", data.get("name"), max_len=200)
    channel.kind = kind
    channel.audience = validation.channel_audience(data.get("audience", "all"))
    channel.contact = validation.contact(kind, data.get("contact"))
    channel.hours = validation.text("hours", data.get("hours"), max_len=200, required=False)
    channel.instructions = validation.text("instructions", data.get("instructions"), required=False)
    channel.status = validation.channel_status(data.get("status", "up"))
    channel.status_note = validation.text("status_note", data.get("status_note"), required=False)
    channel.public = bool(data.get("public", True))
    channel.aliases = validation.aliases(data.get("aliases")) or None
    if before != (channel.name, channel.contact, list(channel.aliases or [])):
        mentions.relink_all(session)
    _hold_messages(session, channel)
    return channel
