"""/api/translations: stored prose in other languages, its approval, and what is missing."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from bot.models import Translation
from bot.services import translations
from bot.web import bodies, calls, serialize
from bot.web.auth import any_role, editor
from bot.web.bodies import STRING
from bot.web.preconditions import Target, record

TRANSLATION_FIELDS = {"text": STRING}


def _address(request: web.Request) -> tuple[str, str, str, str]:
    info = request.match_info
    names = ("owner", "key", "field", "language")
    owner, key, field, language = (bodies.clean_text(n, info[n]) for n in names)
    return owner, key, field, language


def _target(address: tuple[str, str, str, str]) -> Target:
    def version(session: Session) -> int | None:
        row = translations.find(session, *address, lock=True)
        return None if row is None else int(row.version)

    return Target("translation {}".format(":".join(address)), version)


@any_role
async def list_translations(request: web.Request) -> web.Response:
    language = bodies.query_text(request, "language")
    rows = await calls.read(
        request,
        lambda s, _now: [
            serialize.translation(t) for t in translations.list_translations(s, language)
        ],
    )
    return web.json_response(rows)


@any_role
async def missing(request: web.Request) -> web.Response:
    """What a reader in another language would see in English, and why."""
    language = bodies.query_text(request, "language")
    rows = await calls.read(
        request, lambda s, _now: [serialize.gap(g) for g in translations.gaps(s, language)]
    )
    return web.json_response(rows)


@editor
async def put_translation(request: web.Request) -> web.Response:
    address = _address(request)
    data = await bodies.json_body(request, TRANSLATION_FIELDS, required=("text",))

    def change(s: Session, _now: Any) -> Translation:
        return translations.set_translation(s, *address, data["text"])

    row = await calls.write(request, change, serialize.translation, _target(address))
    return record(row)


@editor
async def approve(request: web.Request) -> web.Response:
    address = _address(request)

    def change(s: Session, now: Any) -> Translation:
        return translations.approve(s, *address, actor=str(s.info["actor"]), now=now)

    row = await calls.write(request, change, serialize.translation, _target(address))
    return record(row)
