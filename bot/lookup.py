"""The call-center lookup: what the assistant would answer, and why, in one view.

Given what a caller said, returns the recognised intent and confidence, the answer the
assistant would give now, the live routing table for that topic, the active incident
timeline and the data-freshness notes. Used by `bot ask` and the agent page.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from bot import i18n, topics
from bot.answers.status import current_incidents, freshness_notes, public_updates
from bot.clock import Clock
from bot.formatting import day, how_to_reach
from bot.services import mentions, routing


@dataclass
class Parse:
    intent: str
    confidence: float
    ranking: list[dict[str, Any]]
    entities: dict[str, str] = field(default_factory=dict)


class ParseUnavailable(RuntimeError):
    """The language model could not be reached or loaded."""


def parse_remote(text: str, rasa_url: str, token: str | None, timeout: float = 10) -> Parse:
    """Ask a running Rasa server (``--enable-api``) to parse ``text``."""
    url = rasa_url.rstrip("/") + "/model/parse"
    if token:  # Rasa reads its API token from the query string only
        url += "?" + urllib.parse.urlencode({"token": token})
    request = urllib.request.Request(
        url, data=json.dumps({"text": text}).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            data = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise ParseUnavailable(_refusal(rasa_url, exc.code, token)) from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise ParseUnavailable(f"the Rasa server at {rasa_url} did not answer") from exc
    if not isinstance(data, dict):
        raise ParseUnavailable(f"the Rasa server at {rasa_url} sent an unexpected reply")
    return _from_parse(data)


def _refusal(rasa_url: str, status: int, token: str | None) -> str:
    """Why a running Rasa server refused to parse (never echoes the token)."""
    if status in (401, 403):
        why = "a wrong API token" if token else "no API token (is a 'bot run' running?)"
        return f"the Rasa server at {rasa_url} refused the request (HTTP {status}: {why})"
    if status == 409:
        return f"the Rasa server at {rasa_url} has no model loaded yet (HTTP 409)"
    return f"the Rasa server at {rasa_url} failed (HTTP {status})"


def parse_local(text: str, model: Path) -> Parse:
    """Load the trained model in this process (slow: for the terminal when no server runs)."""
    import asyncio
    import logging

    if not model.is_file():
        raise ParseUnavailable(f"no trained model at {model}: run 'make model'")
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    agent = Agent.load(str(model))
    return _from_parse(asyncio.run(agent.parse_message(text)))


def _from_parse(data: dict[str, Any]) -> Parse:
    intent = data.get("intent") or {}
    return Parse(
        intent=str(intent.get("name") or "nlu_fallback"),
        confidence=float(intent.get("confidence") or 0.0),
        ranking=[
            {"name": r.get("name"), "confidence": round(float(r.get("confidence") or 0), 3)}
            for r in (data.get("intent_ranking") or [])[:5]
        ],
        entities={
            str(e.get("entity")): str(e.get("value"))
            for e in reversed(data.get("entities") or [])
            if e.get("value") is not None
        },
    )


def describe(
    session: Session,
    clock: Clock,
    parsed: Parse,
    audience: str = "member",
    language: str | None = None,
) -> dict[str, Any]:
    """Everything an agent needs on one screen, as plain data.

    The caller's language is the one given, else the one their words settle; a caller in
    Spanish gets the Spanish answer, and the agent sees the English one beside it.
    """
    now = clock.now()
    entry = topics.BY_INTENT.get(parsed.intent)
    spoken = i18n.normalise(language) or i18n.normalise(parsed.entities.get("language"))
    caller = spoken or i18n.ENGLISH
    said = {k: v for k, v in parsed.entities.items() if k != "language"}
    answers = {}
    for lang in dict.fromkeys([caller, i18n.ENGLISH]):
        asked = topics.Asked(audience=audience, entities=said, language=lang)
        found = topics.for_intent(session, clock, parsed.intent, asked)
        answers[lang] = found.text if found else None
    answer = answers[caller]
    topic = entry.route if entry else routing.GENERAL
    offer = routing.offer(session, topic, audience)
    first_usable = offer.usable[0].key if offer.usable else None
    # Stored prose as the channels stand now: a down channel's number or address never
    # shows, its mentions are marked "(now unavailable)" (idempotent, so an answer that
    # was already presented reads the same).
    present = mentions.presenter(session)
    return {
        "intent": parsed.intent,
        "confidence": round(parsed.confidence, 3),
        "ranking": parsed.ranking,
        "audience": audience,
        "language": caller,
        # Already presented by topics.answer, exactly as the chat says it (in the caller's
        # language; ``answers`` has it in English too when the caller writes another).
        "answer": answer,
        "answers": answers,
        "topic": topic,
        "routing": [
            {
                "position": i,
                "channel": c.key,
                "name": c.name,
                "status": c.status,
                "note": present(c.status_note),
                "how": present(how_to_reach(c)) if c.is_up else mentions.UNAVAILABLE,
                "offered": c.key == first_usable,
            }
            for i, c in enumerate(offer.ordered, start=1)
        ],
        "incidents": [
            {
                "key": i.key,
                "title": i.title,
                "status": i.status,
                "started_at": clock.local(i.started_at).isoformat(),
                "timeline": [
                    {"at": clock.local(u.posted_at).isoformat(), "body": present(u.body)}
                    for u in public_updates(i, now)
                ],
            }
            for i in current_incidents(session, now)
        ],
        "freshness": [
            f"{row.label} is current through {day(row.current_through)}."
            for row in freshness_notes(session, now)
        ],
        "as_of": now.isoformat(),
    }


def render_text(view: dict[str, Any]) -> str:
    """The lookup for a terminal."""
    lines = [
        f"Intent: {view['intent']} (confidence {view['confidence']:.2f}); audience: "
        f"{view['audience']}; language: {i18n.NAMES.get(view['language'], view['language'])}",
        "",
        "Answer the assistant would give:",
        f"  {view['answer'] or '(small talk: no store answer)'}",
    ]
    if view["language"] != i18n.ENGLISH and view["answers"].get(i18n.ENGLISH):
        lines += ["In English:", f"  {view['answers'][i18n.ENGLISH]}"]
    lines += [
        "",
        f"Routing for '{view['topic']}':",
    ]
    for row in view["routing"]:
        mark = "OFFER" if row["offered"] else ("down " if row["status"] == "down" else "     ")
        note = f" — {row['note']}" if row["note"] else ""
        lines.append(f"  {row['position']}. [{mark}] {row['name']} ({row['status']}){note}")
    lines.append("")
    if view["incidents"]:
        for inc in view["incidents"]:
            lines.append(f"Incident: {inc['title']} [{inc['status']}] since {inc['started_at']}")
            for update in inc["timeline"]:
                lines.append(f"  {update['at']}  {update['body']}")
    else:
        lines.append("No active incidents.")
    for note in view["freshness"]:
        lines.append(f"Data: {note}")
    lines.append(f"(as of {view['as_of']})")
    return "\n".join(lines)
