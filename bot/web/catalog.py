"""/api/channels, /api/routes, /api/rules, /api/texts: what the assistant offers and says."""

from __future__ import annotations

import re
import string
from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from bot import validation
from bot.errors import Invalid, NotFound
from bot.services import channels as channel_service
from bot.services import routing, rules, texts
from bot.web import bodies, calls, serialize
from bot.web.auth import any_role, editor
from bot.web.bodies import BOOLEAN, OBJECT, OPTIONAL_DATE, OPTIONAL_STRING, STRING, STRINGS
from bot.web.preconditions import Target, record

CHANNEL_FIELDS = {
    "key": STRING,
    "name": STRING,
    "kind": STRING,
    "audience": STRING,
    "contact": STRING,
    "hours": OPTIONAL_STRING,
    "instructions": OPTIONAL_STRING,
    "status": STRING,
    "status_note": OPTIONAL_STRING,
    "public": BOOLEAN,
    "aliases": STRINGS,
}
CHANNEL_STATUS_FIELDS = {"status": STRING, "note": OPTIONAL_STRING}
ROUTE_FIELDS = {"channels": STRINGS}
RULE_FIELDS = {
    "key": STRING,
    "title": STRING,
    "starts_on": OPTIONAL_DATE,
    "ends_on": OPTIONAL_DATE,
    "params": OBJECT,
    "text": STRING,
}
TEXT_FIELDS = {"text": STRING}
_PLACEHOLDER = re.compile(r"[a-z_][a-z0-9_]*")


def same_key(data: dict[str, Any], key: str) -> None:
    """The URL names the thing; a ``key`` in the body may only repeat it."""
    if "key" in data and data["key"] != key:
        raise Invalid("key", "must match the key in the URL (keys cannot be renamed)")


def _version_of(row: Any) -> int | None:
    return None if row is None else int(row.version)


def _channel(key: str) -> Target:
    return Target(
        f"channel {key!r}",
        lambda s: _version_of(channel_service.find_channel(s, key, lock=True)),
    )


# --- channels ---------------------------------------------------------------------------------


@any_role
async def list_channels(request: web.Request) -> web.Response:
    rows = await calls.read(
        request, lambda s, _now: [serialize.channel(c) for c in channel_service.list_channels(s)]
    )
    return web.json_response(rows)


@any_role
async def get_channel(request: web.Request) -> web.Response:
    key = bodies.path_key(request, "key", "channel")
    row = await calls.read(
        request, lambda s, _now: serialize.channel(channel_service.get_channel(s, key))
    )
    return record(row)


@editor
async def put_channel(request: web.Request) -> web.Response:
    key = bodies.new_key("key", request.match_info["key"])
    data = await bodies.json_body(request, CHANNEL_FIELDS, required=("name", "kind", "contact"))
    same_key(data, key)
    row = await calls.write(
        request,
        lambda s, _now: channel_service.upsert_channel(s, {**data, "key": key}),
        serialize.channel,
        _channel(key),
    )
    return record(row)


@editor
async def set_channel_status(request: web.Request) -> web.Response:
    key = bodies.path_key(request, "key", "channel")
    data = await bodies.json_body(request, CHANNEL_STATUS_FIELDS, required=("status",))
    row = await calls.write(
        request,
        lambda s, _now: channel_service.set_status(s, key, data["status"], data.get("note")),
        serialize.channel,
        _channel(key),
    )
    return record(row)


# --- routes -----------------------------------------------------------------------------------


def _route(session: Session, topic: str, audience: str) -> dict[str, Any]:
    offer = routing.offer(session, topic, audience)
    version = routing.route_version(session, topic, audience)
    return serialize.offer(offer, fallback=version is None, version=version)


@any_role
async def get_route(request: web.Request) -> web.Response:
    topic = bodies.path_key(request, "topic", "topic")
    audience = validation.audience(bodies.query_text(request, "audience", "member"))
    row = await calls.read(request, lambda s, _now: _route(s, topic, audience))
    return record(row)


@editor
async def put_route(request: web.Request) -> web.Response:
    topic = bodies.new_key("topic", request.match_info["topic"])
    audience = validation.audience(request.match_info["audience"])
    data = await bodies.json_body(request, ROUTE_FIELDS, required=("channels",))

    def change(s: Session, _now: Any) -> dict[str, Any]:
        try:
            routing.set_route(s, topic, audience, data["channels"])
        except NotFound as exc:
            raise Invalid("channels", str(exc)) from None
        s.flush()
        return _route(s, topic, audience)

    target = Target(
        f"the {topic!r} route for {audience}s",
        lambda s: routing.route_version(s, topic, audience, lock=True),
    )
    row = await calls.write(request, change, lambda result: result, target)
    return record(row)


# --- rules ------------------------------------------------------------------------------------


@any_role
async def list_rules(request: web.Request) -> web.Response:
    rows = await calls.read(
        request, lambda s, _now: [serialize.rule(r) for r in rules.list_rules(s)]
    )
    return web.json_response(rows)


@editor
async def put_rule(request: web.Request) -> web.Response:
    key = bodies.new_key("key", request.match_info["key"])
    data = await bodies.json_body(request, RULE_FIELDS)
    same_key(data, key)
    target = Target(f"rule {key!r}", lambda s: _version_of(rules.find_rule(s, key, lock=True)))
    row = await calls.write(
        request, lambda s, _now: rules.upsert_rule(s, {**data, "key": key}), serialize.rule, target
    )
    return record(row)


# --- texts ------------------------------------------------------------------------------------


@any_role
async def list_texts(request: web.Request) -> web.Response:
    rows = await calls.read(
        request, lambda s, _now: [serialize.text(t) for t in texts.list_texts(s)]
    )
    return web.json_response(rows)


def check_template(value: str) -> None:
    """Only plain ``{name}`` placeholders: no attribute, index, conversion or format spec.

    ``str.format`` runs those, so "{action.x}" or "{action:>99999999}" would fail or blow
    up when the assistant renders the text; refuse them when they are written instead.
    """
    try:
        parts = list(string.Formatter().parse(value))
    except ValueError as exc:
        raise Invalid("text", f"has an unbalanced '{{' or '}}': {exc}") from None
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if not _PLACEHOLDER.fullmatch(name) or spec or conversion:
            raise Invalid("text", f"placeholder {{{name[:40]}}} must be a plain {{name}}")


@editor
async def put_text(request: web.Request) -> web.Response:
    key = bodies.new_key("key", request.match_info["key"])
    data = await bodies.json_body(request, TEXT_FIELDS, required=("text",))
    check_template(data["text"])
    target = Target(f"text {key!r}", lambda s: _version_of(texts.find_text(s, key, lock=True)))
    row = await calls.write(
        request, lambda s, _now: texts.set_text(s, key, data["text"]), serialize.text, target
    )
    return record(row)
