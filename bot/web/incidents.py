"""/api/incidents: declare, change, resolve; post timeline updates; data-freshness notes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

from aiohttp import web
from sqlalchemy.orm import Session

from bot.errors import Invalid, NotFound
from bot.services import incidents as service
from bot.web import bodies, calls, serialize
from bot.web.auth import any_role, editor
from bot.web.bodies import (
    BOOLEAN,
    DATE,
    DATETIME,
    OPTIONAL_DATETIME,
    OPTIONAL_STRING,
    STRING,
    STRINGS,
)
from bot.web.preconditions import Target, etag_header, record

T = TypeVar("T")

PATCH_FIELDS = {
    "title": STRING,
    "summary": OPTIONAL_STRING,
    "status": STRING,
    "started_at": DATETIME,
    "resolved_at": OPTIONAL_DATETIME,
    "working_note": OPTIONAL_STRING,
    "data_impact_statement": OPTIONAL_STRING,
    "data_impact_confirmed_at": OPTIONAL_DATETIME,
    "backlog_note": OPTIONAL_STRING,
    "internal_note": OPTIONAL_STRING,
    "affected_systems": STRINGS,
    "channels": STRINGS,
    "public": BOOLEAN,
}
CREATE_FIELDS = {"key": STRING, **PATCH_FIELDS}
TIMELINE_FIELDS = {"body": STRING, "public": BOOLEAN}
RESOLVE_FIELDS = {"note": OPTIONAL_STRING}
FRESHNESS_FIELDS = {"label": STRING, "current_through": DATE, "note": OPTIONAL_STRING}


def _channels_named(change: Callable[[Session, Any], T]) -> Callable[[Session, Any], T]:
    """A body naming an unknown channel is an invalid body (422), not a missing URL (404)."""

    def wrapped(session: Session, now: Any) -> T:
        try:
            return change(session, now)
        except NotFound as exc:
            if exc.entity != "channel":
                raise
            raise Invalid("channels", str(exc)) from None

    return wrapped


def _incident(key: str) -> Target:
    """An incident's own fields; its timeline entries and freshness notes have versions too."""
    return Target(
        f"incident {key!r}", lambda s: int(service.get_incident(s, key, lock=True).version)
    )


def _freshness(key: str, system: str) -> Target:
    def version(session: Session) -> int | None:
        incident = service.get_incident(session, key, lock=True)
        row = next((f for f in incident.freshness if f.system == system), None)
        return None if row is None else int(row.version)

    return Target(f"the {system!r} freshness note of incident {key!r}", version)


@any_role
async def list_incidents(request: web.Request) -> web.Response:
    include_resolved = bodies.query_bool(request, "include_resolved", True)
    rows = await calls.read(
        request,
        lambda s, _now: [
            serialize.incident(i)
            for i in service.list_incidents(s, include_resolved=include_resolved)
        ],
    )
    return web.json_response(rows)


@any_role
async def get_incident(request: web.Request) -> web.Response:
    key = bodies.path_key(request, "key", "incident")
    row = await calls.read(
        request, lambda s, _now: serialize.incident(service.get_incident(s, key))
    )
    return record(row)


@editor
async def create_incident(request: web.Request) -> web.Response:
    data = await bodies.json_body(request, CREATE_FIELDS, required=("key", "title"))
    bodies.new_key("key", data["key"])
    row = await calls.write(
        request,
        _channels_named(lambda s, now: service.open_incident(s, data, now)),
        serialize.incident,
    )
    return web.json_response(
        row,
        status=201,
        headers={
            "Location": f"/api/incidents/{quote(row['key'], safe='')}",
            **etag_header(row),
        },
    )


@editor
async def patch_incident(request: web.Request) -> web.Response:
    key = bodies.path_key(request, "key", "incident")
    data = await bodies.json_body(request, PATCH_FIELDS)
    row = await calls.write(
        request,
        _channels_named(lambda s, now: service.update_incident(s, key, data, now)),
        serialize.incident,
        _incident(key),
    )
    return record(row)


@editor
async def resolve_incident(request: web.Request) -> web.Response:
    key = bodies.path_key(request, "key", "incident")
    data = await bodies.json_body(request, RESOLVE_FIELDS, optional_body=True)
    note = data.get("note") or ""
    row = await calls.write(
        request,
        lambda s, now: service.resolve(s, key, now, note.strip() or None),
        serialize.incident,
        _incident(key),
    )
    return record(row)


@editor
async def post_update(request: web.Request) -> web.Response:
    key = bodies.path_key(request, "key", "incident")
    data = await bodies.json_body(request, TIMELINE_FIELDS, required=("body",))
    row = await calls.write(
        request,
        lambda s, now: service.post_update(
            s, key, data["body"], now, public=data.get("public", True)
        ),
        serialize.timeline_entry,
        _incident(key),
    )
    return record(row, status=201)


@editor
async def put_freshness(request: web.Request) -> web.Response:
    key = bodies.path_key(request, "key", "incident")
    system = bodies.new_key("system", request.match_info["system"])
    data = await bodies.json_body(request, FRESHNESS_FIELDS, required=("label", "current_through"))
    row = await calls.write(
        request,
        lambda s, _now: service.set_freshness(
            s, key, system, data["label"], data["current_through"], data.get("note")
        ),
        serialize.freshness,
        _freshness(key, system),
    )
    return record(row)
