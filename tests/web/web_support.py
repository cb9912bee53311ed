"""Helpers shared by the web tests (imported as a module: tests/web is on sys.path)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp.test_utils import TestClient

from bot.db import Store
from bot.services import tokens

#: ``await make_client(**config_overrides)``
ClientFactory = Callable[..., Awaitable[TestClient]]


class FakeMonotonic:
    """Time for the rate limiter that moves only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Tokens:
    editor: str
    agent: str
    revoked: str

    @staticmethod
    def header(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    @property
    def as_editor(self) -> dict[str, str]:
        return self.header(self.editor)

    @property
    def as_agent(self) -> dict[str, str]:
        return self.header(self.agent)


def store_url(store: Store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


def issue_tokens(store: Store) -> Tokens:
    with store.begin("test-admin") as session:
        now = store.clock.now()
        _, editor = tokens.create(session, "dana-editor", "editor", now)
        _, agent = tokens.create(session, "sam-agent", "agent", now)
        _, revoked = tokens.create(session, "old-editor", "editor", now)
    with store.begin("test-admin") as session:
        tokens.revoke(session, "old-editor", store.clock.now())
    return Tokens(editor=editor, agent=agent, revoked=revoked)


async def error_of(response: Any, status: int) -> dict[str, Any]:
    """The JSON error of a response, after checking its status and its shape."""
    assert response.status == status, await response.text()
    body = await response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "field"}
    return body["error"]
