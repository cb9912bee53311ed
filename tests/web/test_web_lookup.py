"""The agents' lookup endpoint and the pages, with a stand-in for Rasa's parse API.

The stand-in only answers /model/parse (the NLU is not what is under test here: the
browser tests use the real model); the store, routing and answers are real.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.db import Store
from bot.services import channels, tokens
from bot.web.app import init_app
from bot.web.config import WebConfig


async def _parse_server(intent: str) -> TestServer:
    async def parse(request: web.Request) -> web.Response:
        if request.query.get("token") != "rasa-secret":
            return web.json_response({"error": "unauthorized"}, status=401)
        body = await request.json()
        return web.json_response(
            {
                "text": body["text"],
                "intent": {"name": intent, "confidence": 0.97},
                "intent_ranking": [{"name": intent, "confidence": 0.97}],
            }
        )

    app = web.Application()
    app.router.add_post("/model/parse", parse)
    server = TestServer(app)
    await server.start_server()
    return server


@pytest.fixture
async def client(sqlite_store: Store, aiohttp_client: Callable[..., Awaitable[TestClient]]) -> Any:
    rasa = await _parse_server("ask_pharmacy_help")
    url = str(sqlite_store.engine.url)
    config = WebConfig(
        database_url=url,
        clock=sqlite_store.clock,
        rasa_url=str(rasa.make_url("")),
        rasa_token="rasa-secret",
        public_rasa_url="http://127.0.0.1:5005",
    )
    with sqlite_store.begin("test") as s:
        _, agent = tokens.create(s, "agent-1", "agent", sqlite_store.clock.now())
    test_client = await aiohttp_client(init_app(config))
    test_client.agent_token = agent
    yield test_client
    await rasa.close()


async def test_lookup_composes_answer_routing_and_incidents(
    client: Any, sqlite_store: Store
) -> None:
    with sqlite_store.begin("ops") as s:
        channels.set_status(s, "vermont_blue_rx", "down", "vendor outage")
    response = await client.get(
        "/api/lookup",
        params={"text": "pharmacy number?"},
        headers={"Authorization": f"Bearer {client.agent_token}"},
    )
    assert response.status == 200
    view = await response.json()
    assert view["intent"] == "ask_pharmacy_help" and view["confidence"] == 0.97
    assert "493-1947" not in view["answer"] and "Member Resource Center" in view["answer"]
    assert [r["channel"] for r in view["routing"]] == ["vermont_blue_rx", "member_resource_center"]
    assert view["routing"][0]["status"] == "down" and view["routing"][1]["offered"]
    assert view["incidents"][0]["key"] == "nov-2023-phone-internet"
    assert view["freshness"] == [
        "Claims and plan information in the Member Resource Center "
        "is current through November 26, 2023."
    ]


async def test_lookup_needs_a_token_and_text(client: Any) -> None:
    assert (await client.get("/api/lookup", params={"text": "x"})).status == 401
    response = await client.get(
        "/api/lookup", headers={"Authorization": f"Bearer {client.agent_token}"}
    )
    assert response.status == 422
    assert (await response.json())["error"]["field"] == "text"


async def test_lookup_without_the_assistant_is_503(
    sqlite_store: Store, aiohttp_client: Callable[..., Awaitable[TestClient]]
) -> None:
    config = WebConfig(
        database_url=str(sqlite_store.engine.url),
        clock=sqlite_store.clock,
        rasa_url="http://127.0.0.1:1",
    )
    with sqlite_store.begin("test") as s:
        _, token = tokens.create(s, "agent-2", "agent", sqlite_store.clock.now())
    client = await aiohttp_client(init_app(config))
    response = await client.get(
        "/api/lookup", params={"text": "hello"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status == 503 and response.headers["Retry-After"] == "5"


async def test_chat_page_points_at_rasa_and_is_locked_down(client: Any) -> None:
    response = await client.get("/chat")
    assert response.status == 200
    page = await response.text()
    assert '<meta name="rasa-url" content="http://127.0.0.1:5005">' in page
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "connect-src 'self' http://127.0.0.1:5005" in csp


async def test_the_widget_is_told_where_rasa_is_and_embed_only_includes_it(client: Any) -> None:
    script = await (await client.get("/static/widget.js")).text()
    assert 'const SERVED_RASA_URL = "http://127.0.0.1:5005";' in script
    assert (await client.get("/static/widget.css")).status == 200
    response = await client.get("/embed")
    page = await response.text()
    assert '<script src="/static/widget.js" defer></script>' in page
    assert page.count("<script") == 1 and "rasa-url" not in page
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


async def test_only_known_static_files_are_served(client: Any) -> None:
    assert (await client.get("/static/widget.js")).status == 200
    for name in ("../pyproject.toml", "chat.html", "nope.js", "..%2Fbot%2Fconfig.py"):
        assert (await client.get(f"/static/{name}")).status == 404
