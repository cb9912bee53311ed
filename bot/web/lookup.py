"""/api/audit (who changed what) and /api/answer (what the assistant would say right now)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import answers, validation
from bot.answers import Answer
from bot.clock import Clock
from bot.errors import Invalid
from bot.models import AuditEntry
from bot.web import bodies, calls
from bot.web.auth import any_role
from bot.web.keys import STORE
from bot.web.serialize import audit_entry, iso

#: Topics an agent can look up, by the name of the answer the assistant gives.
ANSWERS: dict[str, Callable[[Session, Clock, str], Answer]] = {
    "pharmacy": answers.pharmacy,
    "part_d": answers.part_d,
    "contact": answers.contact,
    "claims": answers.claims,
    "portal_registration": answers.portal_registration,
    "open_enrollment": answers.open_enrollment,
    "email_followup": answers.email_followup,
    "premium_payment": answers.premium_payment,
    "outage_status": answers.outage_status,
    "data_impact": answers.data_impact,
    "carelon_portal_error": answers.carelon_portal_error,
    "therapy_prior_auth": answers.therapy_prior_auth,
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
    compose = ANSWERS.get(topic)
    if compose is None:
        raise Invalid("topic", f"must be one of {', '.join(ANSWERS)}")
    audience = validation.audience(bodies.query_text(request, "audience", "member"))
    clock = request.app[STORE].clock

    def look_up(session: Session, now: Any) -> dict[str, Any]:
        result = compose(session, clock, audience)
        return {
            "topic": topic,
            "audience": audience,
            "text": result.text,
            "offered": list(result.offered),
            "unavailable": list(result.unavailable),
            "checked_at": iso(now),
        }

    return web.json_response(await calls.read(request, look_up))
