"""Failure paths: store down or slow (503), bugs (500 without a traceback), unknown URLs,
request ids, and an access log that names tokens but never contains one."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import replace
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from web_support import ClientFactory, Tokens, error_of

from bot.clock import Clock
from bot.services import channels as channel_service
from bot.web import lookup
from bot.web.app import init_app
from bot.web.config import WebConfig

CLOSED_PORT_URL = "postgresql://nobody@127.0.0.1:1/none"
DEMO = "2023-11-28T10:00:00-05:00"


@pytest.fixture
async def dead_store_client(aiohttp_client: Any) -> TestClient:
    from datetime import datetime

    config = WebConfig(
        database_url=CLOSED_PORT_URL, clock=Clock.fixed(datetime.fromisoformat(DEMO))
    )
    return await aiohttp_client(init_app(config))


async def test_store_down_is_503_with_retry_after(dead_store_client: TestClient) -> None:
    client = dead_store_client
    assert (await client.get("/healthz")).status == 200
    r = await client.get("/readyz")
    assert (await error_of(r, 503))["code"] == "not_ready"
    requests = [
        ("GET", "/status.json", {}),
        ("GET", "/api/channels", {"Authorization": "Bearer some-token"}),
        ("POST", "/api/channels/x/status", {"Authorization": "Bearer some-token"}),
    ]
    for method, path, headers in requests:
        r = await client.request(method, path, headers=headers, json={"status": "up"})
        error = await error_of(r, 503)
        assert error["code"] == "unavailable"
        assert r.headers["Retry-After"] == "5"


async def test_slow_store_is_503_not_a_hang(
    make_client: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    def slow(session: Any) -> Any:
        time.sleep(1.0)
        raise AssertionError("should have been abandoned")

    monkeypatch.setattr(channel_service, "list_channels", slow)
    client = await make_client(store_timeout=0.2)
    started = time.monotonic()
    r = await client.get("/status.json")
    assert (await error_of(r, 503))["code"] == "unavailable"
    assert time.monotonic() - started < 0.9
    assert r.headers["Retry-After"] == "5"


async def test_a_bug_is_a_json_500_without_traceback(
    client: TestClient, api_tokens: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any) -> Any:
        raise RuntimeError("boom: internal detail")

    monkeypatch.setitem(
        lookup.ANSWERS, "pharmacy", replace(lookup.ANSWERS["pharmacy"], compose=broken)
    )
    r = await client.get(
        "/api/answer?topic=pharmacy",
        headers={**api_tokens.as_agent, "X-Request-ID": "trace-me-1"},
    )
    error = await error_of(r, 500)
    assert error["code"] == "internal" and "trace-me-1" in error["message"]
    text = await r.text()
    assert "Traceback" not in text and "boom" not in text and "RuntimeError" not in text


async def test_unknown_urls_and_methods_are_json(client: TestClient, api_tokens: Tokens) -> None:
    r = await client.get("/api/nothing-here", headers=api_tokens.as_agent)
    assert (await error_of(r, 404))["code"] == "not_found"
    r = await client.delete("/api/channels/part_d_line", headers=api_tokens.as_editor)
    assert (await error_of(r, 405))["code"] == "method_not_allowed"
    assert "PUT" in r.headers["Allow"]


async def test_request_id_is_echoed_or_generated(client: TestClient) -> None:
    r = await client.get("/healthz", headers={"X-Request-ID": "abc-123.x"})
    assert r.headers["X-Request-ID"] == "abc-123.x"
    r = await client.get("/healthz")
    generated = r.headers["X-Request-ID"]
    assert len(generated) == 32
    r = await client.get("/healthz", headers={"X-Request-ID": "has spaces <script>"})
    assert r.headers["X-Request-ID"] != "has spaces <script>"
    r = await client.get("/nope", headers={"X-Request-ID": "err-1"})
    assert r.headers["X-Request-ID"] == "err-1"


async def test_access_log_has_request_id_and_token_name_never_the_token(
    client: TestClient,
    api_tokens: Tokens,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    secret_body = "BODY-SECRET-42"
    await client.post(
        "/api/channels/part_d_line/status",
        json={"status": "down", "note": secret_body},
        headers={**api_tokens.as_editor, "X-Request-ID": "req-write-1"},
    )
    await client.get("/api/channels", headers={"Authorization": f"Bearer {api_tokens.revoked}"})

    def broken(*_args: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setitem(
        lookup.ANSWERS, "pharmacy", replace(lookup.ANSWERS["pharmacy"], compose=broken)
    )
    await client.get(
        "/api/answer?topic=pharmacy", headers={**api_tokens.as_agent, "X-Request-ID": "req-500"}
    )
    access = [json.loads(r.getMessage()) for r in caplog.records if r.name == "bot.web.access"]
    write = next(e for e in access if e["request_id"] == "req-write-1")
    assert (write["method"], write["path"], write["status"], write["token"]) == (
        "POST",
        "/api/channels/part_d_line/status",
        200,
        "dana-editor",
    )
    assert isinstance(write["duration_ms"], float)
    assert [e["status"] for e in access if e["request_id"] == "req-500"] == [500]
    assert any(e["status"] == 401 and e["token"] is None for e in access)
    everything = caplog.text + " ".join(r.getMessage() for r in caplog.records)
    assert "req-500" in everything
    for secret in (api_tokens.editor, api_tokens.agent, api_tokens.revoked, secret_body):
        assert secret not in everything
