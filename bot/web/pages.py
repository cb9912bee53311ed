"""The member chat page, the embeddable chat widget and its demo host page (/embed), the
agent lookup page, the incident dashboard, their static files, and /api/lookup.

Pages are plain files under ``web/`` (no build step, nothing from a CDN). Only files in
:data:`STATIC` are served, so no path from the URL ever reaches the file system.
"""

from __future__ import annotations

import html
import json
from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from bot import i18n, validation
from bot import lookup as agent_lookup
from bot.config import PROJECT_ROOT
from bot.errors import Invalid
from bot.web import bodies, calls
from bot.web.auth import any_role
from bot.web.errors import ApiError
from bot.web.keys import CONFIG, STORE

WEB = PROJECT_ROOT / "web"
STATIC = {
    "widget.js": "application/javascript",
    "widget.css": "text/css",
    "embed.css": "text/css",
    "chat.css": "text/css",
    "agent.js": "application/javascript",
    "agent.css": "text/css",
    "dashboard.js": "application/javascript",
    "dashboard.css": "text/css",
}
#: widget.js runs on other sites' pages too: it is told the Rasa URL as pages are (meta tag).
WIDGET_RASA_URL = b'const SERVED_RASA_URL = "";'
#: Pages get a strict policy: scripts only from us, connections only to us and Rasa.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' {rasa}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def _page(request: web.Request, name: str) -> web.Response:
    config = request.app[CONFIG]
    text = (WEB / name).read_text(encoding="utf-8")
    text = text.replace(
        '<meta name="rasa-url" content="">',
        f'<meta name="rasa-url" content="{html.escape(config.public_rasa_url, quote=True)}">',
    )
    return web.Response(
        text=text,
        content_type="text/html",
        headers={
            "Content-Security-Policy": CSP.format(rasa=config.public_rasa_url),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-cache",
        },
    )


async def index(request: web.Request) -> web.Response:
    return web.Response(status=302, headers={"Location": "/chat"})


async def chat(request: web.Request) -> web.Response:
    return _page(request, "chat.html")


async def embed(request: web.Request) -> web.Response:
    """A demo plan home page: its only tie to the assistant is the widget's script tag."""
    return _page(request, "embed.html")


async def agent(request: web.Request) -> web.Response:
    return _page(request, "agent.html")


async def dashboard(request: web.Request) -> web.Response:
    """What people are asking now (/api/stats), for editors and agents (token in the page)."""
    return _page(request, "dashboard.html")


async def static(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    content_type = STATIC.get(name)
    if content_type is None:
        raise ApiError(404, f"no static file named {name!r}")
    body = (WEB / name).read_bytes()
    if name == "widget.js":
        url = json.dumps(request.app[CONFIG].public_rasa_url).encode()
        body = body.replace(WIDGET_RASA_URL, b"const SERVED_RASA_URL = " + url + b";", 1)
    return web.Response(
        body=body,
        content_type=content_type,
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"},
    )


@any_role
async def lookup(request: web.Request) -> web.Response:
    """What the assistant would answer this caller, with intent, routing and incidents."""
    text = (bodies.query_text(request, "text") or "").strip()
    if not text:
        raise Invalid("text", "is required: what the caller said")
    if len(text) > 500:
        raise Invalid("text", "is longer than 500 characters")
    audience = validation.audience(bodies.query_text(request, "audience", "member"))
    language = bodies.query_text(request, "language")
    if language is not None and i18n.normalise(language) is None:
        raise Invalid("language", f"must be one of {', '.join(i18n.LANGUAGES)}")
    config = request.app[CONFIG]

    def parse() -> agent_lookup.Parse:
        return agent_lookup.parse_remote(text, config.rasa_url, config.rasa_token)

    try:
        parsed = await calls.run(request.app, parse)
    except agent_lookup.ParseUnavailable as exc:
        raise ApiError(
            503,
            "the assistant is not running, so the caller's words can't be understood right now",
            headers={"Retry-After": "5"},
        ) from exc
    clock = request.app[STORE].clock

    def describe(session: Session, _now: Any) -> dict[str, Any]:
        return agent_lookup.describe(session, clock, parsed, audience, language)

    return web.json_response(await calls.read(request, describe))


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/", index, allow_head=False)
    r.add_get("/chat", chat, allow_head=False)
    r.add_get("/embed", embed, allow_head=False)
    r.add_get("/agent", agent, allow_head=False)
    r.add_get("/dashboard", dashboard, allow_head=False)
    r.add_get("/static/{name}", static, allow_head=False)
    r.add_get("/api/lookup", lookup, allow_head=False)
