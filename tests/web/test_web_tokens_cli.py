"""`bot token …` and `bot serve`, the 0002 migration, and the new settings."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from bot import cli, migrate
from bot.config import ConfigError, Settings
from bot.db import Store
from bot.models import metadata
from bot.services.tokens import digest
from bot.web.app import init_app
from bot.web.config import WebConfig

ROOT = Path(__file__).resolve().parents[2]
BOT = str(Path(sys.executable).with_name("bot"))


@pytest.fixture
def env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("BOT_DATABASE_URL", database_url)
    monkeypatch.setenv("BOT_NOW", "2023-11-28T10:00:00-05:00")
    monkeypatch.setenv("BOT_ACTOR", "cli-admin")
    return database_url


def run(*argv: str) -> int:
    return cli.main(list(argv))


async def test_token_create_list_revoke(
    env: str, capsys: pytest.CaptureFixture[str], aiohttp_client: Any
) -> None:
    assert run("token", "list") == 1  # not migrated yet: one clear line
    assert "bot db upgrade" in capsys.readouterr().err
    assert run("db", "upgrade") == 0
    capsys.readouterr()
    assert run("token", "create", "dana", "--role", "editor") == 0
    out = capsys.readouterr()
    token = out.out.strip()
    assert len(token) >= 40 and "shown only this once" in out.err
    assert run("token", "create", "sam", "--role", "agent") == 0
    capsys.readouterr()

    client = await aiohttp_client(init_app(WebConfig.from_settings(Settings.from_env())))
    r = await client.get("/api/rules", headers={"Authorization": f"Bearer {token}"})
    assert (r.status, await r.json()) == (200, [])

    assert run("token", "list") == 0
    listing = capsys.readouterr().out
    assert "dana" in listing and "editor" in listing and "sam" in listing
    assert token not in listing and "active" in listing
    assert digest(token) not in listing

    assert run("token", "revoke", "dana") == 0
    capsys.readouterr()
    r = await client.get("/api/rules", headers={"Authorization": f"Bearer {token}"})
    assert r.status == 401
    assert run("token", "list") == 0
    assert "revoked 2023-11-28T15:00:00+00:00" in capsys.readouterr().out

    assert run("token", "revoke", "dana") == 1
    assert "already revoked" in capsys.readouterr().err
    assert run("token", "revoke", "nobody") == 1
    assert "sam" in capsys.readouterr().err
    assert run("token", "create", "sam", "--role", "agent") == 1
    assert "already exists" in capsys.readouterr().err
    assert run("token", "create", "Bad Name", "--role", "agent") == 1
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_:
        run("token", "create", "x", "--role", "admin")
    assert exit_.value.code == 2

    assert run("audit", "--entity", "api_tokens") == 0
    assert "cli-admin" in capsys.readouterr().out


def test_migration_0002_matches_the_model_and_downgrades(empty_store: Store) -> None:
    with empty_store.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), metadata)
    assert [d for d in diffs if "api_tokens" in repr(d)] == []
    migrate.downgrade(empty_store.engine, "0001")
    assert "api_tokens" not in inspect(empty_store.engine).get_table_names()
    assert "channels" in inspect(empty_store.engine).get_table_names()
    migrate.upgrade(empty_store.engine)
    assert migrate.current_revision(empty_store.engine) == migrate.head_revision()


def test_web_settings_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "BOT_CORS_ORIGINS": " https://status.example.org/, https://ops.example.org ,",
            "BOT_API_WRITES_PER_MINUTE": "10",
            "BOT_API_WRITES_PER_MINUTE_PER_IP": "20",
            "BOT_API_AUTH_FAILURES_PER_MINUTE_PER_IP": "7",
            "BOT_SNAPSHOT_MAX_AGE": "900",
        }
    )
    config = WebConfig.from_settings(settings)
    assert config.cors_origins == ("https://status.example.org", "https://ops.example.org")
    assert (config.writes_per_minute_per_token, config.writes_per_minute_per_ip) == (10, 20)
    assert config.auth_failures_per_minute_per_ip == 7
    assert config.stale_status_max_age == 900
    defaults = WebConfig.from_settings(Settings.from_env({}))
    assert defaults.cors_origins == ()
    assert (defaults.writes_per_minute_per_token, defaults.writes_per_minute_per_ip) == (30, 60)
    assert defaults.auth_failures_per_minute_per_ip == 30
    for bad in ("0", "-3", "lots"):
        with pytest.raises(ConfigError, match="BOT_API_WRITES_PER_MINUTE"):
            Settings.from_env({"BOT_API_WRITES_PER_MINUTE": bad})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_bot_serve_runs_and_logs_json_lines(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "BOT_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "BOT_NOW": "2023-11-28T10:00:00-05:00",
        "PYTHONPATH": str(ROOT / "tests" / "netguard"),
    }
    subprocess.run([BOT, "setup"], env=env, check=True, capture_output=True, timeout=120)
    port = _free_port()
    server = subprocess.Popen(
        [BOT, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        body = None
        while time.monotonic() < deadline:
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/healthz", headers={"X-Request-ID": "serve-1"}
                )
                with urllib.request.urlopen(request, timeout=2) as response:
                    body = json.loads(response.read())
                break
            except OSError:
                time.sleep(0.2)
        assert body == {"status": "ok"}
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert any(e["request_id"] == "serve-1" and e["status"] == 200 for e in lines), out + err
    assert "Traceback" not in err
