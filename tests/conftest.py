"""Shared fixtures: a network guard, a pinned clock, and real stores on SQLite and PostgreSQL."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "netguard"))

import netguard  # noqa: E402
from assistant import POSTGRES_ADMIN_URL, drop_postgres_database  # noqa: E402, F401

from bot import migrate, scenario  # noqa: E402
from bot.clock import Clock  # noqa: E402
from bot.config import disable_phone_home  # noqa: E402
from bot.db import Store  # noqa: E402

netguard.install()
disable_phone_home()

# No test may take the clock or the Rasa token of a developer's running `bot run`: the tests
# and every process they start look for a run-state file in an empty directory of their own.
_RUN_DIR = tempfile.mkdtemp(prefix="bot-test-run-")
os.environ["BOT_RUN_DIR"] = _RUN_DIR
# Nor write the last known routing over a developer's own (var/last-known-routing.json).
os.environ["BOT_SNAPSHOT_PATH"] = os.path.join(_RUN_DIR, "last-known-routing.json")
atexit.register(shutil.rmtree, _RUN_DIR, True)

#: The demo moment: during the outage (phones down, waiver in force).
OUTAGE_NOW = datetime.fromisoformat("2023-11-28T10:00:00-05:00")


@pytest.fixture
def clock() -> Clock:
    return Clock.fixed(OUTAGE_NOW)


@pytest.fixture(scope="session")
def postgres_server() -> str:
    engine = create_engine(POSTGRES_ADMIN_URL, future=True)
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # pragma: no cover - environment problem, stated plainly
        pytest.fail(f"PostgreSQL is required for the tests at {POSTGRES_ADMIN_URL}: {exc}")
    finally:
        engine.dispose()
    return POSTGRES_ADMIN_URL


def fresh_postgres_database(admin_url: str) -> tuple[str, str]:
    name = f"bot_test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin_url, future=True, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    base = admin_url.rsplit("/", 1)[0]
    return name, f"{base}/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend production may use."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    admin = request.getfixturevalue("postgres_server")
    name, url = fresh_postgres_database(admin)
    try:
        yield url
    finally:
        drop_postgres_database(admin, name)


@pytest.fixture
def empty_store(database_url: str, clock: Clock) -> Iterator[Store]:
    store = Store.create(database_url, clock)
    migrate.upgrade(store.engine)
    yield store
    store.dispose()


@pytest.fixture
def store(empty_store: Store) -> Store:
    """A migrated store holding the demo scenario."""
    with empty_store.begin("test-loader") as session:
        scenario.load(session, scenario.read(scenario.DEMO_SCENARIO), empty_store.clock.now())
    return empty_store


@pytest.fixture
def sqlite_store(tmp_path: Path, clock: Clock) -> Iterator[Store]:
    """The demo store on SQLite only (for tests whose subject is not the backend)."""
    store = Store.create(f"sqlite:///{tmp_path / 'store.db'}", clock)
    migrate.upgrade(store.engine)
    with store.begin("test-loader") as session:
        scenario.load(session, scenario.read(scenario.DEMO_SCENARIO), clock.now())
    yield store
    store.dispose()


@pytest.fixture(scope="module", autouse=True)
def no_event_loop_left_running() -> Iterator[None]:
    """A module must not leave an asyncio loop marked running on the main thread (Playwright's
    sync API does while it is open): every asyncio test after it would fail at setup."""
    yield
    import asyncio

    loop = asyncio._get_running_loop()
    assert loop is None, f"an event loop is still running after this module: {loop!r}"
