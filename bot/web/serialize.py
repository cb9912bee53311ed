"""Rows to JSON for editors and agents (internal fields included; /status.json has its own)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from bot.models import (
    AnswerText,
    AuditEntry,
    Channel,
    DataFreshness,
    DateRule,
    Incident,
    IncidentUpdate,
    OutboundMessage,
    Translation,
)
from bot.services.routing import Offer
from bot.services.texts import placeholders
from bot.services.translations import Gap


def iso(value: datetime | None) -> str | None:
    """Times leave in UTC, whatever zone they were given in."""
    return None if value is None else value.astimezone(UTC).isoformat()


def day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _tracked(row: Any) -> dict[str, Any]:
    """Who changed it last and when, and its version (what If-Match names)."""
    return {"updated_at": iso(row.updated_at), "updated_by": row.updated_by, "version": row.version}


def channel(c: Channel) -> dict[str, Any]:
    return {
        "key": c.key,
        "name": c.name,
        "kind": c.kind,
        "audience": c.audience,
        "contact": c.contact,
        "hours": c.hours,
        "instructions": c.instructions,
        "status": c.status,
        "status_note": c.status_note,
        "public": c.public,
        "aliases": list(c.aliases or []),
        **_tracked(c),
    }


def timeline_entry(u: IncidentUpdate) -> dict[str, Any]:
    return {"posted_at": iso(u.posted_at), "body": u.body, "public": u.public, **_tracked(u)}


def freshness(f: DataFreshness) -> dict[str, Any]:
    return {
        "system": f.system,
        "label": f.label,
        "current_through": day(f.current_through),
        "note": f.note,
        **_tracked(f),
    }


def incident(i: Incident) -> dict[str, Any]:
    return {
        "key": i.key,
        "title": i.title,
        "status": i.status,
        "started_at": iso(i.started_at),
        "resolved_at": iso(i.resolved_at),
        "summary": i.summary,
        "affected_systems": list(i.affected_systems or []),
        "channels": [c.key for c in i.channels],
        "working_note": i.working_note,
        "data_impact_statement": i.data_impact_statement,
        "data_impact_confirmed_at": iso(i.data_impact_confirmed_at),
        "backlog_note": i.backlog_note,
        "internal_note": i.internal_note,
        "public": i.public,
        "updates": [timeline_entry(u) for u in i.updates],
        "freshness": [freshness(f) for f in sorted(i.freshness, key=lambda f: f.system)],
        **_tracked(i),
    }


def offer(o: Offer, *, fallback: bool, version: int | None) -> dict[str, Any]:
    """``version``: of the topic's own stored list for the audience (None when it has none)."""
    usable = {c.key for c in o.usable}
    return {
        "topic": o.topic,
        "audience": o.audience,
        "fallback": fallback,
        "version": version,
        "channels": [
            {
                "position": position,
                "key": c.key,
                "name": c.name,
                "status": c.status,
                "status_note": c.status_note,
                "offered": c.key in usable,
            }
            for position, c in enumerate(o.ordered, start=1)
        ],
        "offered": [c.key for c in o.usable],
        "all_down": o.all_down,
    }


def rule(r: DateRule) -> dict[str, Any]:
    return {
        "key": r.key,
        "title": r.title,
        "starts_on": day(r.starts_on),
        "ends_on": day(r.ends_on),
        "params": r.params or {},
        "text": r.text,
        **_tracked(r),
    }


def text(t: AnswerText) -> dict[str, Any]:
    try:
        names = sorted(placeholders(t.text))
    except ValueError:
        names = []
    return {"key": t.key, "text": t.text, "placeholders": names, **_tracked(t)}


def translation(t: Translation) -> dict[str, Any]:
    return {
        "owner": t.owner,
        "key": t.owner_key,
        "field": t.field,
        "language": t.language,
        "text": t.text,
        "source": t.source,
        "approved_at": iso(t.approved_at),
        "approved_by": t.approved_by,
        **_tracked(t),
    }


def gap(g: Gap) -> dict[str, Any]:
    return {
        "owner": g.owner,
        "key": g.key,
        "field": g.field,
        "language": g.language,
        "reason": g.reason,
        "english": g.english,
    }


def audit_entry(e: AuditEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "at": iso(e.at),
        "actor": e.actor,
        "entity": e.entity,
        "entity_key": e.entity_key,
        "action": e.action,
        "before": e.before,
        "after": e.after,
    }


def message(
    m: OutboundMessage, named: list[tuple[Channel, str]], blocked: list[str]
) -> dict[str, Any]:
    """``named``: the channels its text names (with the words); ``blocked``: why it should
    not go out now (a released message can still name a blocked channel)."""
    return {
        "key": m.key,
        "name": m.name,
        "kind": m.kind,
        "owner": m.owner,
        "text": m.text,
        "schedule": m.schedule,
        "active": m.active,
        "held": m.held,
        "held_at": iso(m.held_at),
        "held_reason": m.held_reason,
        "channels": [{"key": c.key, "status": c.status, "found": found} for c, found in named],
        "blocked_now": blocked,
        **_tracked(m),
    }
