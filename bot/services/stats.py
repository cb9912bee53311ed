"""What people are asking now, read from Rasa's SQL tracker store; nothing new is stored.

For editors and agents running an incident: messages per hour by topic, the share that fell
to the fallback, the top unrecognised phrasings (redacted and grouped as ``bot nlu inbox``
does), which channels the answers offered or said were down, and the median reply time.

Privacy: conversations are health data. ``sender_id`` is compared inside the queries (to
keep a reply with the message it answers) and never selected; message texts are read only
for messages that fell to the fallback, and leave this module only redacted
(:mod:`bot.nlu_tools.redact`); the bot's own texts are reduced to channel keys. The engine
is read-only (SQLite opened ``mode=ro``, PostgreSQL ``default_transaction_read_only``).

Fell to the fallback: the message's intent is one the assistant cannot offer back as
"Did you mean …?" (``nlu_fallback``, ``out_of_scope``: :data:`bot.topics.SUGGESTIBLE` leaves
them out), or the turn it started ran their action (``action_fallback`` is also Rasa's core
fallback, for a known intent with no confident next step). Every member message counts,
button payloads included; only typed ones can be phrasings.

Reply time: from a message to the first bot event of its turn (the turn ends at the
conversation's next message, so a message without a reply has no time). Rasa stamps the
message once its words are understood, so this is deciding and composing the answer
(actions included), not the language model's parse.

Channels: the bot's texts, read by :mod:`bot.services.mentions` against the store's channel
rows as they are now (an answer naming a channel since renamed is not recognised). Offered:
the text calls it working or tells people to use it; said down: it says it is not
available, lists it under "Not working", or marks it "(now unavailable)".

The window: since the earliest active incident began, or the last ``hours`` (24 with no
incident, or when asked). "Now" and the incidents are the store's clock, which ``BOT_NOW``
may pin (the demo is pinned to a morning in 2023), while Rasa stamps events with the wall
clock. So the window has a start and no end: under a pinned clock every conversation since
the pinned window's start counts (the demo's own chats); under the real clock the two agree.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, case, create_engine, exists, func, null, or_, select
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Alias, Select

from bot import topics
from bot.clock import Clock
from bot.config import ConfigError
from bot.formatting import when
from bot.models import Channel, Incident
from bot.nlu_tools import inbox
from bot.nlu_tools.redact import plan_phone_numbers
from bot.privacy import EVENTS
from bot.services import channels as channel_service
from bot.services import incidents as incident_service
from bot.services import mentions

DEFAULT_HOURS = 24
#: The hourly series stops this many hours back from its end (totals cover the whole window).
MAX_SERIES_HOURS = 168
TOP_PHRASINGS = 10
CONNECT_TIMEOUT_SECONDS = 3
HOUR = 3600

#: What the CLI and the dashboard say when conversations are kept in memory (``make run``).
NO_TRACKER = (
    "Conversations are not kept in a database here (the assistant holds them in memory), "
    "so there are no statistics to show. They are available when the assistant keeps its "
    "conversations in a SQL tracker store (make run-scaled, or BOT_TRACKER_URL)."
)

#: Intents the assistant cannot offer back: a message with one of them fell to the fallback.
FALLBACK_INTENTS = frozenset(t.intent for t in topics.TOPICS if t.intent not in topics.SUGGESTIBLE)
#: The actions that answer them (action_fallback is also Rasa's core fallback).
FALLBACK_ACTIONS = frozenset(topics.BY_INTENT[i].action for i in FALLBACK_INTENTS)

OTHER = "other"
#: Intents outside :data:`bot.topics.TOPICS`, in the groups bot/topics.py declares.
_GROUPS = {
    **dict.fromkeys(topics.SMALL_TALK, "small_talk"),
    **dict.fromkeys(topics.SAFETY, "safety"),
    **dict.fromkeys(topics.PRIVACY, "privacy"),
}
GROUP_LABELS = {
    "small_talk": "greetings, thanks and short answers",
    "safety": "an emergency (911, 988, Poison Control)",
    "privacy": "deleting their conversation",
    OTHER: "anything else",
}


class TrackerUnavailable(RuntimeError):
    """The tracker store can't be read now; the message says why in one line (no password)."""


@dataclass(frozen=True)
class TopicCount:
    key: str
    label: str
    messages: int


@dataclass(frozen=True)
class Hour:
    start: datetime
    messages: int
    topics: dict[str, int]


@dataclass(frozen=True)
class ChannelCount:
    key: str
    name: str
    #: The channel's status now, in the store.
    status: str
    #: Answers that offered it (called it working, or told people to use it).
    offered: int
    #: Answers that said it was down ("is not available right now", "Not working: …").
    said_down: int


@dataclass(frozen=True)
class ActiveIncident:
    key: str
    title: str
    started_at: datetime


@dataclass(frozen=True)
class Report:
    now: datetime
    since: datetime
    #: "incident": since the earliest active incident began; "hours": the last ``hours``.
    window: str
    hours: int | None
    incidents: list[ActiveIncident]
    messages: int
    fell_back: int
    topics: list[TopicCount]
    per_hour: list[Hour]
    #: Messages that fell to the fallback, redacted and grouped, most frequent first.
    unrecognised: list[inbox.Group]
    answers: int
    channels: list[ChannelCount]
    median_reply_seconds: float | None
    timed_replies: int

    @property
    def fallback_share(self) -> float | None:
        return self.fell_back / self.messages if self.messages else None


def topic_of(intent: str | None) -> str:
    """The topic key of an intent (bot/topics.py), or the group it belongs to there."""
    topic = topics.BY_INTENT.get(intent or "")
    return topic.key if topic is not None else _GROUPS.get(intent or "", OTHER)


def label_of(key: str) -> str:
    topic = topics.BY_KEY.get(key)
    return topic.label if topic is not None else GROUP_LABELS[key]


# --- reading the tracker store ---------------------------------------------------------------


def open_tracker(url: str, *, statement_timeout: float | None = None) -> Engine:
    """A read-only engine on the tracker store that gives up quickly when it is away."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"the tracker store URL is not a database URL: {exc}") from exc
    backend = parsed.get_backend_name()
    connect_args: dict[str, Any] = {}
    if backend == "sqlite" and parsed.database not in (None, "", ":memory:"):
        # A missing file is an error, not a new empty database.
        uri = Path(str(parsed.database)).absolute().as_uri()
        parsed = parsed.set(database=uri, query={"mode": "ro", "uri": "true"})
    elif backend == "postgresql":
        options = "-c default_transaction_read_only=on"
        if statement_timeout:
            options += f" -c statement_timeout={int(statement_timeout * 1000)}"
        connect_args = {"connect_timeout": CONNECT_TIMEOUT_SECONDS, "options": options}
    try:
        return create_engine(parsed, future=True, poolclass=NullPool, connect_args=connect_args)
    except ArgumentError as exc:
        raise ConfigError(f"the tracker store URL is not usable: {exc}") from exc


@contextmanager
def _connection(tracker: Engine | Connection) -> Iterator[Connection]:
    if isinstance(tracker, Connection):
        yield tracker
    else:
        with tracker.connect() as conn:
            yield conn


def _messages_query(since: float) -> Select[Any]:
    """Per member message: when, its intent, whether it fell back, when the first reply came,
    and (only if it fell back) its stored JSON, for the redacted phrasings.

    A message's turn is its conversation's events up to the conversation's next message.
    ``sender_id`` matches events of one conversation here, in the database, and is never
    among the columns returned."""
    m, following = EVENTS.alias("m"), EVENTS.alias("following")
    next_message = (
        select(func.min(following.c.id))
        .where(
            following.c.sender_id == m.c.sender_id,
            following.c.id > m.c.id,
            following.c.type_name == "user",
        )
        .scalar_subquery()
    )
    turns = (
        select(m.c.id, m.c.sender_id, m.c.timestamp, m.c.intent_name, m.c.data)
        .add_columns(next_message.label("turn_end"))
        .where(m.c.type_name == "user", m.c.timestamp >= since)
        .subquery("turns")
    )

    def in_turn(event: Alias) -> ColumnElement[bool]:
        return and_(
            event.c.sender_id == turns.c.sender_id,
            event.c.id > turns.c.id,
            event.c.id < func.coalesce(turns.c.turn_end, event.c.id + 1),  # last turn: no end
        )

    reply, action = EVENTS.alias("reply"), EVENTS.alias("action")
    replied_at = (
        select(func.min(reply.c.timestamp))
        .where(in_turn(reply), reply.c.type_name == "bot")
        .scalar_subquery()
    )
    answered_by_fallback = exists().where(
        in_turn(action),
        action.c.type_name == "action",
        action.c.action_name.in_(sorted(FALLBACK_ACTIONS)),
    )
    fell = or_(turns.c.intent_name.in_(sorted(FALLBACK_INTENTS)), answered_by_fallback)
    return select(
        turns.c.timestamp,
        turns.c.intent_name,
        case((fell, 1), else_=0),
        replied_at,
        case((fell, turns.c.data), else_=null()),
    )


def _answer_texts(conn: Connection, since: float) -> Counter[str]:
    """The bot's texts in the window, each distinct text once with how often it was sent."""
    query = select(EVENTS.c.data).where(EVENTS.c.type_name == "bot", EVENTS.c.timestamp >= since)
    texts: Counter[str] = Counter()
    for (raw,) in conn.execution_options(stream_results=True).execute(query):
        try:
            text = json.loads(raw or "").get("text")
        except (TypeError, ValueError, AttributeError):
            continue
        if isinstance(text, str) and text:
            texts[text] += 1
    return texts


# --- the report ------------------------------------------------------------------------------


def window(session: Session, now: datetime, hours: int | None) -> tuple[datetime, list[Incident]]:
    """Where the window starts, and the incidents active at ``now`` (see the module's note)."""
    active = incident_service.active(session, now)
    if hours is None and active:
        return min(i.started_at for i in active), active
    return now - timedelta(hours=hours or DEFAULT_HOURS), active


def report(
    tracker: Engine | Connection,
    session: Session,
    now: datetime,
    *,
    hours: int | None = None,
    top: int = TOP_PHRASINGS,
) -> Report:
    """The statistics since the window's start; ``session`` is the live store's (incidents,
    channels), ``now`` its clock. Raises :class:`TrackerUnavailable` if the trackers can't be
    read."""
    since, active = window(session, now, hours)
    rows = channel_service.list_channels(session)
    start = since.timestamp()
    by_hour: dict[int, Counter[str]] = {}
    fell_back, fallen, replies = 0, [], []
    try:
        with _connection(tracker) as conn:
            result = conn.execution_options(stream_results=True).execute(_messages_query(start))
            for stamp, intent, fell, replied_at, data in result:
                by_hour.setdefault(int(stamp // HOUR) * HOUR, Counter())[topic_of(intent)] += 1
                fell_back += fell
                if data is not None:
                    fallen.append(data)
                if replied_at is not None and replied_at >= stamp:
                    replies.append(replied_at - stamp)
            said = _answer_texts(conn, start)
    except SQLAlchemyError as exc:
        url = tracker.engine.url if isinstance(tracker, Connection) else tracker.url
        raise TrackerUnavailable(inbox.unreadable(url, exc)) from exc
    totals: Counter[str] = sum(by_hour.values(), Counter())
    messages = (inbox.parse_event(raw) for raw in fallen)
    phrasings = inbox.group_messages((m for m in messages if m), plan_phone_numbers())
    return Report(
        now=now,
        since=since.astimezone(now.tzinfo),
        window="incident" if hours is None and active else "hours",
        hours=None if hours is None and active else hours or DEFAULT_HOURS,
        incidents=[
            ActiveIncident(i.key, i.title, i.started_at.astimezone(now.tzinfo)) for i in active
        ],
        messages=sum(totals.values()),
        fell_back=fell_back,
        topics=[TopicCount(k, label_of(k), n) for k, n in totals.most_common()],
        per_hour=_series(by_hour, since, now),
        unrecognised=phrasings[:top],
        answers=sum(said.values()),
        channels=_channel_counts(rows, said),
        median_reply_seconds=statistics.median(replies) if replies else None,
        timed_replies=len(replies),
    )


def _series(by_hour: dict[int, Counter[str]], since: datetime, now: datetime) -> list[Hour]:
    """Every hour from the window's start to the later of now and the last message, zeros
    included; at most MAX_SERIES_HOURS back from the end (a pinned clock's window can start
    years before the wall-clock stamps), and then from the first message at the earliest."""
    if not by_hour:
        return []
    end = max(max(by_hour), int(now.timestamp() // HOUR) * HOUR)
    start = int(since.timestamp() // HOUR) * HOUR
    earliest = end - (MAX_SERIES_HOURS - 1) * HOUR
    if start < earliest:
        start = max(min(by_hour), earliest)
    empty: Counter[str] = Counter()
    return [
        Hour(
            datetime.fromtimestamp(h, now.tzinfo),
            sum(by_hour.get(h, empty).values()),
            dict(by_hour.get(h, empty).most_common()),
        )
        for h in range(start, end + 1, HOUR)
    ]


def _channel_counts(rows: list[Channel], said: Counter[str]) -> list[ChannelCount]:
    """Per channel the answers named: how many offered it, how many said it was down."""
    offered: Counter[str] = Counter()
    down: Counter[str] = Counter()
    for text, times in said.items():
        for key in mentions.working_claims(rows, text):
            offered[key] += times
        for key in mentions.down_claims(rows, text):
            down[key] += times
    counts = [
        ChannelCount(str(c.key), str(c.name), str(c.status), offered[c.key], down[c.key])
        for c in rows
        if offered[c.key] or down[c.key]
    ]
    return sorted(counts, key=lambda c: (-c.offered, -c.said_down, c.key))


# --- presenting it ---------------------------------------------------------------------------


def as_json(report: Report) -> dict[str, Any]:
    median = report.median_reply_seconds
    return {
        "available": True,
        "now": report.now.isoformat(),
        "since": report.since.isoformat(),
        "window": report.window,
        "hours": report.hours,
        "incidents": [
            {"key": i.key, "title": i.title, "started_at": i.started_at.isoformat()}
            for i in report.incidents
        ],
        "messages": report.messages,
        "fallback": {"messages": report.fell_back, "share": report.fallback_share},
        "topics": [{"key": t.key, "label": t.label, "messages": t.messages} for t in report.topics],
        "per_hour": [
            {"start": h.start.isoformat(), "messages": h.messages, "topics": h.topics}
            for h in report.per_hour
        ],
        "unrecognised": [
            {"text": g.text, "count": g.count, "intent": g.intent, "guess": g.guess}
            for g in report.unrecognised
        ],
        "answers": report.answers,
        "channels": [
            {
                "key": c.key,
                "name": c.name,
                "status": c.status,
                "offered": c.offered,
                "said_down": c.said_down,
            }
            for c in report.channels
        ],
        "reply_seconds": {
            "median": None if median is None else round(median, 3),
            "timed": report.timed_replies,
        },
    }


def _printable(text: str) -> str:
    """Member-typed text, safe for a terminal (no escape sequences)."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _bar(value: int, largest: int, width: int = 30) -> str:
    return "█" * max(1, round(width * value / largest)) if value and largest else ""


def render(report: Report, clock: Clock) -> str:
    """The report as a readable table for a terminal."""
    if report.window == "incident":
        names = "; ".join(i.title for i in report.incidents)
        span = f"since {when(report.since, clock)}, when the current incident began ({names})"
    else:
        span = f"in the last {report.hours} hours (since {when(report.since, clock)})"
    share = report.fallback_share
    median = report.median_reply_seconds
    lines = [
        f"What people are asking {span}; now {when(report.now, clock)}.",
        f"{report.messages} messages; {report.fell_back} fell to the fallback"
        + (f" ({share:.0%})" if share is not None else "")
        + "; median reply "
        + (
            f"{median:.2f} s ({report.timed_replies} replies timed)"
            if median is not None
            else "n/a"
        )
        + ".",
    ]
    if not report.messages:
        return "\n".join(lines)
    largest = max(t.messages for t in report.topics)
    lines += ["", f"{'messages':>8}  topic"]
    lines += [
        f"{t.messages:>8}  {t.label} [{t.key}] {_bar(t.messages, largest)}" for t in report.topics
    ]
    busiest = max(h.messages for h in report.per_hour)
    lines += ["", f"{'messages':>8}  per hour (from)"]
    lines += [
        f"{h.messages:>8}  {clock.local(h.start):%b %d %H:%M}  {_bar(h.messages, busiest, 20)}"
        + (" " + ", ".join(f"{k} {n}" for k, n in h.topics.items()) if h.topics else "")
        for h in report.per_hour
    ]
    if report.unrecognised:
        lines += ["", f"{'count':>8}  unrecognised phrasings (redacted), most frequent first"]
        lines += [f"{g.count:>8}  {_printable(g.text)}" for g in report.unrecognised]
    if report.channels:
        lines += [
            "",
            f"{'offered':>8}  {'said down':>9}  channel (status now), in {report.answers} answers",
        ]
        lines += [
            f"{c.offered:>8}  {c.said_down:>9}  {c.name} [{c.key}] ({c.status})"
            for c in report.channels
        ]
    return "\n".join(lines)
