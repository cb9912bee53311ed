"""/api/audit (who changed what) and /api/answer (what the assistant would say right now)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import topics, validation
from bot.errors import Invalid
from bot.models import AuditEntry
from bot.web import bodies, calls
from bot.web.auth import any_role
from bot.web.keys import STORE
from bot.web.serialize import audit_entry, iso

#: Topics an agent can look up, by key (derived from the one topic table).
ANSWERS: dict[str, topics.Topic] = {
    t.key: t for t in topics.TOPICS if t.key not in ("out_of_scope", "nlu_fallback")
}


@any_role
async def audit(request: web.Request) -> web.Response:
    limit = bodies.query_int(request, "limit", 50, 1, 500)
    entity = bodies.query_text(request, "entity")

    def entries(session: Session, _now: Any) -> list[dict[str, Any]]:
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        if entity:
            query = query.where(AuditEntry.entity == entity)
        return [audit_entry(e) for e in session.scalars(query)]

    return web.json_response(await calls.read(request, entries))


@any_role
async def answer(request: web.Request) -> web.Response:
    topic = bodies.query_text(request, "topic")
    if not topic:
        raise Invalid("topic", f"is required: one of {', '.join(ANSWERS)}")
    chosen = ANSWERS.get(topic)
    if chosen is None:
        raise Invalid("topic", f"must be one of {', '.join(ANSWERS)}")
    audience = validation.audience(bodies.query_text(request, "audience", "member"))
    clock = request.app[STORE].clock

    def look_up(session: Session, now: Any) -> dict[str, Any]:
        result = topics.answer(session, clock, chosen, topics.Asked(audience=audience))
        return {
            "topic": topic,
            "audience": audience,
            "text": result.text,
            "offered": list(result.offered),
            "unavailable": list(result.unavailable),
            "checked_at": iso(now),
        }

    return web.json_response(await calls.read(request, look_up))
