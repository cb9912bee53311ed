"""The operations service with its database down: it starts anyway, says so (503 with
Retry-After, or the last status document marked stale), and recovers without a restart."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.engine import make_url
from web_support import error_of, issue_tokens, store_url

from bot.clock import Clock
from bot.db import Store
from bot.web.app import init_app
from bot.web.config import WebConfig

ROOT = Path(__file__).resolve().parents[2]
BOT = str(Path(sys.executable).with_name("bot"))
#: Nothing listens on port 1: the database is down from the start.
DOWN_URL = "postgresql://postgres@127.0.0.1:1/test"
DEMO = datetime.fromisoformat("2023-11-28T10:00:00-05:00")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class DatabaseGate:
    """A TCP relay to PostgreSQL that the test opens and closes: while it is closed (and
    its connections cut), the database is unreachable for whoever connects through it."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.server: asyncio.AbstractServer | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    async def open(self) -> None:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
        for writer in list(self.writers):
            writer.close()
        self.writers.clear()
        await asyncio.sleep(0.05)

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self.writers |= {writer, up_writer}

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError, OSError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


def assert_unavailable(r: Any) -> None:
    assert r.headers["Retry-After"] == "5"
    assert r.headers["Cache-Control"] == "no-store"


async def test_the_service_starts_while_its_database_is_down(aiohttp_client: Any) -> None:
    client = await aiohttp_client(
        init_app(WebConfig(database_url=DOWN_URL, clock=Clock.fixed(DEMO)))
    )
    assert (await client.get("/healthz")).status == 200
    r = await client.get("/chat")
    assert r.status == 200 and "text/html" in r.headers["Content-Type"]
    assert (await client.get("/static/widget.js")).status == 200
    assert (await error_of(await client.get("/readyz"), 503))["code"] == "not_ready"
    r = await client.get("/status.json")
    assert (await error_of(r, 503))["code"] == "unavailable"  # nothing read yet to show
    assert_unavailable(r)
    for method, path in (("GET", "/api/channels"), ("POST", "/api/channels/x/status")):
        r = await client.request(
            method, path, json={"status": "up"}, headers={"Authorization": "Bearer t"}
        )
        assert (await error_of(r, 503))["code"] == "unavailable"
        assert_unavailable(r)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_it_recovers_without_a_restart_and_marks_status_stale_meanwhile(
    store: Store, aiohttp_client: Any
) -> None:
    tokens = issue_tokens(store)
    url = make_url(store_url(store))
    gate = DatabaseGate(url.port or 5432)
    through_gate = url.set(port=gate.port).render_as_string(hide_password=False)
    now = [DEMO]
    clock = Clock(zone=ZoneInfo("America/New_York"), source=lambda: now[0])
    config = WebConfig(database_url=through_gate, clock=clock, stale_status_max_age=600)
    client: TestClient = await aiohttp_client(init_app(config))

    # Down at start: the service is up, and says the store is not.
    assert (await client.get("/healthz")).status == 200
    assert_unavailable(await client.get("/status.json"))
    assert (await client.get("/api/channels", headers=tokens.as_agent)).status == 503

    await gate.open()  # the database is back: no restart needed
    assert (await client.get("/readyz")).status == 200
    r = await client.get("/status.json")
    fresh = await r.json()
    assert r.status == 200 and "stale" not in fresh and r.headers["ETag"]
    r = await client.post(
        "/api/channels/part_d_line/status", json={"status": "down"}, headers=tokens.as_editor
    )
    assert r.status == 200

    await gate.close()  # down again mid-run
    r = await client.get("/status.json")
    stale = await r.json()
    assert r.status == 200 and stale["stale"] is True
    assert stale["checked_at"] == "2023-11-28T15:00:00+00:00"
    # The last document it read (before the write above), as it was then.
    assert {k: v for k, v in stale.items() if k not in ("stale", "checked_at")} == fresh
    assert "ETag" not in r.headers
    assert r.headers["Cache-Control"] == "no-store"
    for path in ("/api/channels/part_d_line", "/readyz"):
        assert (await client.get(path, headers=tokens.as_agent)).status == 503
    now[0] = DEMO + timedelta(minutes=9)
    assert (await (await client.get("/status.json")).json())["stale"] is True
    now[0] = DEMO + timedelta(minutes=11)  # older than stale_status_max_age: not shown
    assert_unavailable(await client.get("/status.json"))

    await gate.open()
    r = await client.get("/api/channels/part_d_line", headers=tokens.as_agent)
    assert r.status == 200 and (await r.json())["status"] == "down"
    assert "stale" not in await (await client.get("/status.json")).json()
    await gate.close()


def test_bot_serve_starts_while_the_database_is_down() -> None:
    env = {
        **os.environ,
        "BOT_DATABASE_URL": DOWN_URL,
        "BOT_NOW": "2023-11-28T10:00:00-05:00",
        "PYTHONPATH": str(ROOT / "tests" / "netguard"),
    }
    port = free_port()
    server = subprocess.Popen(
        [BOT, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        health = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    health = json.loads(r.read())
                break
            except OSError:
                time.sleep(0.2)
        assert health == {"status": "ok"}
        with pytest.raises(urllib.error.HTTPError) as status:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/status.json", timeout=10)
        assert status.value.code == 503 and status.value.headers["Retry-After"] == "5"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/chat", timeout=10) as r:
            assert r.status == 200
    finally:
        server.terminate()
        _out, err = server.communicate(timeout=30)
    assert "the store is unreachable; starting anyway" in err
    assert "Traceback" not in err
