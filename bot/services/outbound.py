"""The plan's outgoing messages never point people at a channel that is off.

A state exchange kept emailing thousands of people to pay on a website it had shut down:
somebody meant to stop the automated emails and forgot. Here staff register every outgoing
communication (email templates, IVR prompts, web snippets, campaigns); its text is linked to
the channels it names (by :mod:`bot.services.mentions`, like every stored text), and

* the moment a channel it names becomes unusable, the message is **held**, with the reason,
  in the same transaction as the change that caused it (and audited with it);
* only an editor releases it (:func:`release`), never a channel coming back by itself: the
  wording may need a change first;
* any draft can be checked before it is sent (:func:`check`).

One rule says which channels block a message (:func:`blocking_reason`): a channel that is
down, or one an active incident lists as affected while it is not fully up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import validation
from bot.db import for_change
from bot.errors import Conflict, Invalid, NotFound
from bot.models import MESSAGE_KINDS, Channel, Incident, OutboundMessage, TextMention
from bot.services import mentions

#: A draft that names a channel in one of these states is flagged by :func:`check`.
CHECKED_STATUSES = ("down", "degraded")
FIELD = "text"


@dataclass(frozen=True)
class Problem:
    """A draft names a channel that is not fully working: which, its state, the words."""

    channel: str
    status: str
    found: str

    def as_dict(self) -> dict[str, str]:
        return {"channel": self.channel, "status": self.status, "found": self.found}


def _now(session: Session) -> datetime:
    now: datetime = session.info["now"]  # the store's one clock, set by Store.begin/read
    return now


def _active_incidents(session: Session) -> list[Incident]:
    from bot.services.incidents import active  # incidents -> channels -> here: import late

    return active(session, _now(session))


def blocking_reason(session: Session, channel: Channel, found: str | None = None) -> str | None:
    """Why messages naming ``channel`` must not go out now, or None if they may."""
    named = f"{channel.name} ({found})" if found and found != channel.name else channel.name
    if channel.status == "down":
        note = f": {channel.status_note}" if channel.status_note else ""
        return f"it sends people to {named}, which is down{note}"
    if channel.status != "up":
        for incident in _active_incidents(session):
            if channel in incident.channels:
                return (
                    f"it sends people to {named}, which incident {incident.key!r} affects "
                    f"({channel.status})"
                )
    return None


# --- reading ------------------------------------------------------------------------------------


def list_messages(session: Session, *, held: bool | None = None) -> list[OutboundMessage]:
    query = select(OutboundMessage).order_by(OutboundMessage.key)
    if held is True:
        query = query.where(OutboundMessage.held_at.is_not(None))
    elif held is False:
        query = query.where(OutboundMessage.held_at.is_(None))
    return list(session.scalars(query))


def find_message(session: Session, key: str, *, lock: bool = False) -> OutboundMessage | None:
    query = select(OutboundMessage).where(OutboundMessage.key == key)
    return session.scalar(for_change(query) if lock else query)


def get_message(session: Session, key: str, *, lock: bool = False) -> OutboundMessage:
    row = find_message(session, key, lock=lock)
    if row is None:
        raise NotFound("message", key, [m.key for m in list_messages(session)])
    return row


def check(session: Session, text: str | None) -> list[Problem]:
    """What in a draft points at a channel that is down or degraded (empty: it may go).

    Each wording once per channel (ignoring case), so an editor can find every place."""
    by_key = {str(c.key): c for c in session.scalars(select(Channel))}
    problems: dict[tuple[str, str], Problem] = {}
    for mention in mentions.find(list(by_key.values()), text):
        channel = by_key[mention.channel_key]
        if channel.status in CHECKED_STATUSES:
            seen = (str(channel.key), mention.found_text.casefold())
            problems.setdefault(seen, Problem(seen[0], str(channel.status), mention.found_text))
    return list(problems.values())


def named_channels(session: Session, message: OutboundMessage) -> list[tuple[Channel, str]]:
    """The channels the message's text is linked to, with the words found, in text order."""
    session.flush()
    rows = session.scalars(
        select(TextMention)
        .where(TextMention.outbound_message_id == message.id)
        .order_by(TextMention.span_start, TextMention.id)
    )
    return [(row.channel, row.found_text) for row in rows]


def reasons_now(session: Session, message: OutboundMessage) -> list[str]:
    """Why the message should not go out now (empty: nothing it names is blocked)."""
    reasons: list[str] = []
    for channel, found in named_channels(session, message):
        reason = blocking_reason(session, channel, found)
        if reason and reason not in reasons:
            reasons.append(reason)
    return reasons


def messages_naming(session: Session, channel: Channel) -> list[OutboundMessage]:
    """The outgoing messages whose text names ``channel``, by key."""
    session.flush()
    query = (
        select(OutboundMessage)
        .join(TextMention, TextMention.outbound_message_id == OutboundMessage.id)
        .where(TextMention.channel_id == channel.id)
        .distinct()
        .order_by(OutboundMessage.key)
    )
    return list(session.scalars(query))


# --- changing -----------------------------------------------------------------------------------


def upsert_message(session: Session, data: dict[str, Any]) -> OutboundMessage:
    """Register or replace an outgoing message; held at once if it names a blocked channel.

    An edit never releases a held message: an editor does that, after reading the reason.
    """
    key = validation.key("key", data.get("key"))
    row = find_message(session, key, lock=True)
    if row is None:
        row = OutboundMessage(key=key)
        session.add(row)
    row.name = validation.text("name", data.get("name"), max_len=200)
    row.kind = validation.one_of("kind", data.get("kind"), MESSAGE_KINDS)
    row.owner = validation.text("owner", data.get("owner"), max_len=200)
    row.text = validation.text(FIELD, data.get("text"), max_len=10_000)
    row.schedule = validation.text("schedule", data.get("schedule"), max_len=200, required=False)
    active = data.get("active", True)
    if not isinstance(active, bool):
        raise Invalid("active", "must be true or false")
    row.active = active
    mentions.link(session, row, FIELD, row.text)
    if row.active and not row.held:
        reasons = reasons_now(session, row)
        if reasons:
            _hold(row, _now(session), reasons[0])
    return row


def _hold(message: OutboundMessage, now: datetime, reason: str) -> None:
    message.held_at = now
    message.held_reason = f"Held: {reason.rstrip('. ')}."


def hold_naming(session: Session, channel: Channel) -> list[OutboundMessage]:
    """Hold every active message that names ``channel``, if the channel blocks messages now.

    Called by whatever just changed the channel's state or an incident's affected channels,
    in the same transaction; returns what it held (already held ones are left as they are).
    """
    if blocking_reason(session, channel) is None:
        return []
    session.flush()
    linked = session.scalars(
        select(TextMention).where(
            TextMention.channel_id == channel.id, TextMention.outbound_message_id.is_not(None)
        )
    )
    held: list[OutboundMessage] = []
    for mention in linked:
        message = mention.outbound_message
        if not message.active or message.held or message in held:
            continue
        reason = blocking_reason(session, channel, mention.found_text)
        assert reason is not None  # the channel's state did not change since the check above
        _hold(message, _now(session), reason)
        held.append(message)
    return held


def release(session: Session, key: str, *, force: bool = False) -> OutboundMessage:
    """An editor lets a held message go out again.

    Refused while something it names is still blocked, unless ``force`` (the editor has
    judged the text fine anyway, e.g. it says the website is down); the audit trail keeps
    who released it and when either way.
    """
    message = get_message(session, key, lock=True)
    if not message.held:
        raise Conflict(f"message {key!r} is not held")
    reasons = reasons_now(session, message)
    if reasons and not force:
        raise Conflict(
            f"message {key!r} still points at a channel that is not working ({reasons[0]}); "
            "change its text first, or release it with force"
        )
    message.held_at = None
    message.held_reason = None
    return message
