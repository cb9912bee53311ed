"""Unauthenticated endpoints: liveness, readiness, the public status page data, the API spec.

The public views (/status.json here, the Statuspage-compatible ones in
:mod:`bot.web.statuspage`) share :func:`serve_public`: caching, CORS and the stale fallback.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.orm import Session

from bot import i18n, migrate
from bot.answers.status import current_incidents, public_updates
from bot.services import channels as channel_service
from bot.services import mentions, translations
from bot.services.translations import prose
from bot.web import calls
from bot.web.errors import error_response
from bot.web.keys import CONFIG, LAST_DOCUMENTS, SPEC, STORE
from bot.web.middleware import RETRY_AFTER, UNAVAILABLE
from bot.web.serialize import day, iso
from bot.web.stale import LastStatus

STATUS_CACHE_CONTROL = "public, max-age=15"
CORS_METHODS = "GET, OPTIONS"
CORS_HEADERS = "If-None-Match, If-Modified-Since, X-Request-ID"
CORS_EXPOSE = "ETag, Last-Modified, X-Request-ID"

log = logging.getLogger("bot.web")


async def healthz(request: web.Request) -> web.Response:
    """The process answers; says nothing about the store (that is /readyz)."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready when the store answers and its schema is the one this code expects."""
    engine = request.app[STORE].engine

    def probe() -> tuple[str | None, str | None]:
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        return migrate.current_revision(engine), migrate.head_revision()

    try:
        current, head = await calls.run(request.app, probe)
    except Exception as exc:
        log.warning("readiness probe failed: %s", type(exc).__name__)
        return error_response(
            503, "the store is not answering", code="not_ready", headers={"Retry-After": "5"}
        )
    if current != head:
        return error_response(
            503,
            f"the store is at revision {current or 'none'}, this code needs {head}",
            code="not_ready",
            headers={"Retry-After": "5"},
        )
    return web.json_response({"status": "ready", "revision": current})


# --- /status.json -----------------------------------------------------------------------------


#: A phone channel's contact that is a number (validation.contact allows nothing else with digits).
_PHONE_CONTACT = re.compile(r"\s*(?:\+?1[\s.-]?)?\(?([2-9]\d{2})\)?[\s.-]?(\d{3})[\s.-]?(\d{4})\s*")
#: A web channel's contact that is an address: "VermontHealthConnect.gov", "https://x.org/pay".
_WEB_CONTACT = re.compile(
    r"\s*(https?://)?((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})\.)+[A-Za-z]{2,63}(?:/[^\s<>\"']*)?)\s*"
)


def _tel(kind: str, contact: str) -> str | None:
    """``+18774931947`` for a phone channel whose whole contact is a number, else None."""
    if kind not in ("phone", "answering_service"):
        return None
    match = _PHONE_CONTACT.fullmatch(contact or "")
    return "+1" + "".join(match.groups()) if match else None


def _url(kind: str, contact: str) -> str | None:
    """An https (or the given http) address for a web channel whose whole contact is one."""
    if kind not in ("web", "portal"):
        return None
    match = _WEB_CONTACT.fullmatch(contact or "")
    if match is None:
        return None
    return (match.group(1) or "https://") + match.group(2)


def status_document(
    session: Session, now: datetime, language: str = i18n.ENGLISH
) -> tuple[dict[str, Any], datetime | None]:
    """The public status in ``language``: stored prose in its translation where one is
    current, in English otherwise (``untranslated`` is then true, so a page can say so)."""
    with i18n.speaking(translations.speaking_state(session, language)) as spoken:
        document, updated = _status_document(session, now)
        document["language"] = spoken.language
        document["untranslated"] = bool(spoken.untranslated)
    return document, updated


def _status_document(session: Session, now: datetime) -> tuple[dict[str, Any], datetime | None]:
    """Only what members may see: public, started, unresolved incidents; public channels.

    Built field by field (never from the internal serializers), so a new internal column
    can't leak here by accident. Stored prose is shown as :func:`mentions.present` renders
    it: a channel that is down now loses its number or address and is marked unavailable.
    A channel's own ``contact`` (with ``tel`` for a number, ``url`` for a web address, so
    a page can link them) is given only while it is not down: null while it is.
    """
    present = mentions.presenter(session)
    stamps: list[datetime] = []
    incidents = []
    for i in current_incidents(session, now):
        updates = public_updates(i, now)
        freshness = sorted(i.freshness, key=lambda f: f.system)
        stamps += [r.updated_at for r in [i, *updates, *freshness] if r.updated_at]
        incidents.append(
            {
                "key": i.key,
                "title": prose(i, "title"),
                "status": i.status,
                "started_at": iso(i.started_at),
                "summary": present(prose(i, "summary")),
                "updates": [
                    {"posted_at": iso(u.posted_at), "body": present(prose(u, "body"))}
                    for u in updates
                ],
                "data_current_through": [
                    {"label": prose(f, "label"), "current_through": day(f.current_through)}
                    for f in freshness
                ],
            }
        )
    channels = []
    for c in channel_service.list_channels(session):
        if not c.public:
            continue
        if c.updated_at:
            stamps.append(c.updated_at)
        working = c.status != "down"
        channels.append(
            {
                "key": c.key,
                "name": prose(c, "name"),
                "kind": c.kind,
                "audience": c.audience,
                "status": c.status,
                "status_note": present(prose(c, "status_note")),
                # How to reach it, only while it works: a down channel has no contact here.
                "contact": present(c.contact) if working else None,
                "tel": _tel(c.kind, c.contact) if working else None,
                "url": _url(c.kind, c.contact) if working else None,
            }
        )
    updated = max(stamps) if stamps else None
    document = {"updated_at": iso(updated), "incidents": incidents, "channels": channels}
    return document, updated


def etag_of(document: dict[str, Any]) -> str:
    """A strong validator over the content (not ``generated_at``, which changes every time)."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'


def _matches(header: str, etag: str) -> bool:
    candidates = [c.strip() for c in header.split(",")]
    return any(c == "*" or c.removeprefix("W/") == etag for c in candidates)


def _not_modified_since(header: str, updated: datetime | None) -> bool:
    if updated is None:
        return False
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        return False
    return updated.replace(microsecond=0) <= since


def not_modified(request: web.Request, etag: str, updated: datetime | None) -> bool:
    """The client's copy is current: If-None-Match names ``etag`` or, without it,
    If-Modified-Since is no older than ``updated``."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        return _matches(if_none_match, etag)
    if_modified_since = request.headers.get("If-Modified-Since")
    return if_modified_since is not None and _not_modified_since(if_modified_since, updated)


def cors_headers(request: web.Request) -> dict[str, str]:
    """Allow an origin only if it is configured; always vary on Origin for caches."""
    headers = {"Vary": "Origin"}
    origin = request.headers.get("Origin")
    if origin and origin in request.app[CONFIG].cors_origins:
        headers["Access-Control-Allow-Origin"] = origin
        headers["Access-Control-Expose-Headers"] = CORS_EXPOSE
    return headers


#: A Host header we put in links: a name or an address, and a port.
_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?")


def origin(request: web.Request) -> str:
    """``scheme://host[:port]`` the request was made to, for absolute links; "" (links
    relative to the document) when the Host header is not a plain host name or address."""
    host = request.host
    return f"{request.scheme}://{host}" if _HOST.fullmatch(host) else ""


#: Reads a public document in a store session at the store's ``now``: the document (JSON
#: values only, the same whatever host it is asked for) and the latest change in it.
Build = Callable[[Session, datetime], tuple[dict[str, Any], datetime | None]]
#: Writes a document out: ``(document, now, stale_since, base_url) -> (text, content type)``;
#: ``stale_since`` is when a stale copy was read (None: fresh); ``base_url`` the origin the
#: request was made to, for absolute links (never kept: a stale copy is not anyone's host).
Render = Callable[[dict[str, Any], datetime, datetime | None, str], tuple[str, str]]


async def serve_public(
    request: web.Request, name: str, build: Build, render: Render
) -> web.StreamResponse:
    """One public, cacheable view (/status.json, /api/v2/summary.json, /history.atom).

    A strong ETag over the document, Last-Modified, Cache-Control ``public, max-age=15``
    and a 304 for a current copy; CORS for configured origins. While the store can't be
    read: the last document this service read for ``name``, rendered as stale and never
    cached, for at most ``stale_status_max_age`` seconds; with none, the store's 503.
    """
    app = request.app
    kept = app[LAST_DOCUMENTS].setdefault(name, LastStatus())
    base = origin(request)
    try:
        document, updated = await calls.read(request, build)
    except UNAVAILABLE:
        now = app[STORE].clock.now()
        usable = kept.usable(now, app[CONFIG].stale_status_max_age)
        if usable is None:
            raise  # 503 with Retry-After, like every read that needs the store
        rid = request["request_id"]
        log.warning("request %s: the store is unavailable; %s is stale", rid, name)
        document, read_at = usable
        text, content_type = render(document, now, read_at, base)
        headers = {**cors_headers(request), "Cache-Control": "no-store", "Retry-After": RETRY_AFTER}
        return web.Response(text=text, content_type=content_type, headers=headers)
    now = app[STORE].clock.now()
    kept.keep(document, now)
    etag = etag_of(document)
    headers = {**cors_headers(request), "ETag": etag, "Cache-Control": STATUS_CACHE_CONTROL}
    if updated is not None:
        headers["Last-Modified"] = format_datetime(updated, usegmt=True)
    if not_modified(request, etag, updated):
        return web.Response(status=304, headers=headers)
    text, content_type = render(document, now, None, base)
    return web.Response(text=text, content_type=content_type, headers=headers)


def render_status(
    document: dict[str, Any], now: datetime, stale_since: datetime | None, _base: str
) -> tuple[str, str]:
    body = {"generated_at": iso(now), **document}
    if stale_since is not None:
        body |= {"stale": True, "checked_at": iso(stale_since)}
    return json.dumps(body), "application/json"


def requested_language(request: web.Request) -> str:
    """``?lang=es`` (a query parameter, not Accept-Language, so caches need no Vary)."""
    return i18n.normalise(request.query.get("lang")) or i18n.ENGLISH


async def status_json(request: web.Request) -> web.StreamResponse:
    lang = requested_language(request)
    return await serve_public(
        request,
        f"/status.json?lang={lang}",
        lambda session, now: status_document(session, now, lang),
        render_status,
    )


async def status_preflight(request: web.Request) -> web.Response:
    """CORS preflight for every public view (the same rules as their GETs)."""
    headers = cors_headers(request)
    if "Access-Control-Allow-Origin" in headers:
        headers["Access-Control-Allow-Methods"] = CORS_METHODS
        headers["Access-Control-Allow-Headers"] = CORS_HEADERS
        headers["Access-Control-Max-Age"] = "600"
    return web.Response(status=204, headers=headers)


# --- the API description ----------------------------------------------------------------------


async def openapi_json(request: web.Request) -> web.Response:
    return web.json_response(request.app[SPEC]["data"])


async def openapi_yaml(request: web.Request) -> web.Response:
    return web.Response(text=request.app[SPEC]["text"], content_type="application/yaml")
