"""/api/messages: the plan's outgoing messages, held while they point at a dead channel,
and the draft check anyone writing to members runs before sending."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from bot.models import OutboundMessage
from bot.services import outbound
from bot.web import bodies, calls, serialize
from bot.web.auth import any_role, editor
from bot.web.bodies import BOOLEAN, OPTIONAL_STRING, STRING
from bot.web.catalog import same_key
from bot.web.preconditions import Target, record

MESSAGE_FIELDS = {
    "key": STRING,
    "name": STRING,
    "kind": STRING,
    "owner": STRING,
    "text": STRING,
    "schedule": OPTIONAL_STRING,
    "active": BOOLEAN,
}
CHECK_FIELDS = {"text": STRING}
RELEASE_FIELDS = {"force": BOOLEAN}


def present(session: Session, row: OutboundMessage) -> dict[str, Any]:
    return serialize.message(
        row, outbound.named_channels(session, row), outbound.reasons_now(session, row)
    )


def _target(key: str) -> Target:
    def version(session: Session) -> int | None:
        row = outbound.find_message(session, key, lock=True)
        return None if row is None else int(row.version)

    return Target(f"message {key!r}", version)


@any_role
async def list_messages(request: web.Request) -> web.Response:
    raw = bodies.query_text(request, "held")
    held = None if raw is None else bodies.query_bool(request, "held", False)
    rows = await calls.read(
        request,
        lambda s, _now: [present(s, m) for m in outbound.list_messages(s, held=held)],
    )
    return web.json_response(rows)


@any_role
async def get_message(request: web.Request) -> web.Response:
    key = bodies.path_key(request, "key", "message")
    row = await calls.read(request, lambda s, _now: present(s, outbound.get_message(s, key)))
    return record(row)


@editor
async def put_message(request: web.Request) -> web.Response:
    key = bodies.new_key("key", request.match_info["key"])
    data = await bodies.json_body(
        request, MESSAGE_FIELDS, required=("name", "kind", "owner", "text")
    )
    same_key(data, key)

    def change(s: Session, _now: Any) -> dict[str, Any]:
        return present(s, outbound.upsert_message(s, {**data, "key": key}))

    row = await calls.write(request, change, lambda result: result, _target(key))
    return record(row)


@editor
async def release_message(request: web.Request) -> web.Response:
    key = bodies.path_key(request, "key", "message")
    data = await bodies.json_body(request, RELEASE_FIELDS, optional_body=True)

    def change(s: Session, _now: Any) -> dict[str, Any]:
        return present(s, outbound.release(s, key, force=bool(data.get("force", False))))

    row = await calls.write(request, change, lambda result: result, _target(key))
    return record(row)


@any_role
async def check_draft(request: web.Request) -> web.Response:
    """Not a change (nothing is stored), though it is a POST: the draft may be long."""
    data = await bodies.json_body(request, CHECK_FIELDS, required=("text",))
    problems = await calls.read(request, lambda s, _now: outbound.check(s, data["text"]))
    return web.json_response({"ok": not problems, "problems": [p.as_dict() for p in problems]})
