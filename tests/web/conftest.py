"""Fixtures for the HTTP API: an app over the demo store (SQLite and PostgreSQL), tokens, a
hand-driven monotonic clock for the rate limiter, and a client factory."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from web_support import ClientFactory, FakeMonotonic, Tokens, issue_tokens, store_url

from bot.db import Store
from bot.web.app import init_app
from bot.web.config import WebConfig


@pytest.fixture
def api_tokens(store: Store) -> Tokens:
    return issue_tokens(store)


@pytest.fixture
def monotonic() -> FakeMonotonic:
    return FakeMonotonic()


@pytest.fixture
def web_config(store: Store, monotonic: FakeMonotonic) -> WebConfig:
    return WebConfig(database_url=store_url(store), clock=store.clock, monotonic=monotonic)


@pytest.fixture
def make_client(web_config: WebConfig, aiohttp_client: Any) -> ClientFactory:
    """``await make_client(**overrides)``: a client for an app with a changed config."""

    async def make(**overrides: Any) -> TestClient:
        config = WebConfig(**{**web_config.__dict__, **overrides})
        return await aiohttp_client(init_app(config))

    return make


@pytest.fixture
async def client(make_client: ClientFactory, api_tokens: Tokens) -> TestClient:
    return await make_client()
