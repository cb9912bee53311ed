"""``bot nlu inbox``: what real members said that the assistant did not understand well.

Reads user messages from Rasa's SQL tracker store, keeps those that fell back
(``nlu_fallback``) or were classified with low confidence, redacts personal data and groups
identical messages, most frequent first: the best candidates for new training examples.
Sender ids are never read, so they cannot be printed.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import create_engine, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from bot.nlu_tools.checks import normalise
from bot.nlu_tools.redact import plan_phone_numbers, redact
from bot.privacy import EVENTS

FALLBACK = "nlu_fallback"
DEFAULT_THRESHOLD = 0.6
DEFAULT_LIMIT = 50


class InboxError(RuntimeError):
    """The tracker store cannot be read; the message says why in one line."""


@dataclass(frozen=True)
class Message:
    text: str
    intent: str
    confidence: float
    #: When the message fell back: the best real intent and its confidence.
    guess: tuple[str, float] | None = None

    def unsure(self, threshold: float) -> bool:
        return self.intent == FALLBACK or self.confidence < threshold


@dataclass(frozen=True)
class Group:
    text: str  # redacted
    count: int
    intent: str
    confidence: float  # mean over the group
    guess: str | None


def parse_event(raw: str | bytes | None) -> Message | None:
    """A user message from one ``events.data`` JSON; None for payloads and junk."""
    try:
        data = json.loads(raw or "")
    except (TypeError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    parse = data.get("parse_data") or {}
    text = (data.get("text") or parse.get("text") or "").strip()
    if not text or text.startswith("/"):  # button payloads, not typed text
        return None
    intent = parse.get("intent") or {}
    name = str(intent.get("name") or FALLBACK)
    guess = None
    if name == FALLBACK:
        ranked = [r for r in parse.get("intent_ranking") or [] if r.get("name") != FALLBACK]
        if ranked:
            guess = (str(ranked[0].get("name")), float(ranked[0].get("confidence") or 0.0))
    return Message(text, name, float(intent.get("confidence") or 0.0), guess)


def read_messages(url: str) -> Iterator[Message]:
    """Every typed user message in the tracker store, oldest first."""
    try:
        engine = create_engine(url, future=True)
    except (ArgumentError, ValueError) as exc:
        raise InboxError(f"not a database URL: {exc}") from exc
    # Never sender_id: what is not read cannot be printed.
    query = select(EVENTS.c.data).where(EVENTS.c.type_name == "user").order_by(EVENTS.c.id)
    try:
        with engine.connect() as conn:
            for (raw,) in conn.execution_options(stream_results=True).execute(query):
                message = parse_event(raw)
                if message is not None:
                    yield message
    except SQLAlchemyError as exc:
        raise InboxError(unreadable(url, exc)) from exc
    finally:
        engine.dispose()


def unreadable(url: str | URL, exc: SQLAlchemyError) -> str:
    """One line for a failed read: where (password hidden) and the database's first line."""
    lines = str(getattr(exc, "orig", exc)).strip().splitlines()
    reason = lines[0] if lines else type(exc).__name__
    return f"cannot read the tracker store at {make_url(url)!r}: {reason}"


def group(
    messages: Iterable[Message], threshold: float, plan_numbers: Iterable[str] = ()
) -> list[Group]:
    """Unsure messages, redacted and grouped; most frequent first, then least confident."""
    return group_messages((m for m in messages if m.unsure(threshold)), plan_numbers)


def group_messages(messages: Iterable[Message], plan_numbers: Iterable[str] = ()) -> list[Group]:
    """Every message given, redacted and grouped (the same wording once, with its count);
    most frequent first, then least confident. Shared with ``bot stats``."""
    plan = frozenset(plan_numbers)
    buckets: dict[str, list[tuple[str, Message]]] = {}
    for message in messages:
        shown = redact(" ".join(message.text.split()), plan)
        buckets.setdefault(normalise(shown), []).append((shown, message))
    groups = []
    for members in buckets.values():
        intent = Counter(m.intent for _, m in members).most_common(1)[0][0]
        guesses = Counter(m.guess[0] for _, m in members if m.guess)
        groups.append(
            Group(
                text=members[0][0],
                count=len(members),
                intent=intent,
                confidence=sum(_score(m) for _, m in members) / len(members),
                guess=guesses.most_common(1)[0][0] if guesses else None,
            )
        )
    return sorted(groups, key=lambda g: (-g.count, g.confidence, g.text))


def _score(message: Message) -> float:
    """For a fallback, the best real intent's confidence says more than the threshold."""
    return message.guess[1] if message.guess else message.confidence


def render(groups: list[Group], threshold: float, limit: int) -> str:
    total = sum(g.count for g in groups)
    if not groups:
        return f"no unsure messages (nlu_fallback or confidence < {threshold:.2f})"
    lines = [
        f"{total} unsure messages (nlu_fallback or confidence < {threshold:.2f}) in "
        f"{len(groups)} groups; showing {min(limit, len(groups))}, most frequent first:",
        f"{'count':>5}  {'predicted (confidence)':<44} message",
    ]
    for g in groups[:limit]:
        predicted = f"{g.intent} → {g.guess}" if g.guess else g.intent
        lines.append(f"{g.count:>5}  {predicted + f' ({g.confidence:.2f})':<44} {g.text}")
    lines.append(
        'Add good ones (reworded, no personal data) with: bot nlu add --intent NAME "text"'
    )
    return "\n".join(lines)


def inbox(url: str, threshold: float = DEFAULT_THRESHOLD, limit: int = DEFAULT_LIMIT) -> str:
    groups = group(read_messages(url), threshold, plan_phone_numbers())
    return render(groups, threshold, limit)
