"""Retention: `bot privacy purge` against a real Rasa SQL tracker store on PostgreSQL."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import drop_postgres_database, fresh_postgres_database
from sqlalchemy import create_engine, text

BOT = str(Path(sys.executable).with_name("bot"))
DAY = 86_400.0


@pytest.fixture
def tracker_db(postgres_server: str) -> Iterator[tuple[str, str]]:
    name, url = fresh_postgres_database(postgres_server)
    try:
        yield name, url
    finally:
        drop_postgres_database(postgres_server, name)


def _save_conversations(db: str, ages_days: dict[str, float]) -> None:
    """Real trackers, written by Rasa's own SQL tracker store, last event ``age`` days ago."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    store = SQLTrackerStore(
        Domain.empty(), dialect="postgresql", host="127.0.0.1", db=db, username="postgres"
    )
    for sender, age in ages_days.items():
        tracker = DialogueStateTracker(sender, slots=[])
        tracker.update(UserUttered("where can I see my claims?", timestamp=time.time() - age * DAY))
        asyncio.run(store.save(tracker))


def _senders(url: str) -> set[str]:
    engine = create_engine(url, future=True)
    with engine.connect() as conn:
        found = {row[0] for row in conn.execute(text("select distinct sender_id from events"))}
    engine.dispose()
    return found


def test_purge_deletes_only_conversations_past_retention(tracker_db: tuple[str, str]) -> None:
    name, url = tracker_db
    _save_conversations(name, {"old-1": 45, "old-2": 31, "recent": 2, "today": 0})
    done = subprocess.run(
        [BOT, "privacy", "purge", "--tracker-url", url, "--days", "30"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "deleted 2 conversation(s)" in done.stdout
    assert _senders(url) == {"recent", "today"}


def test_purge_without_a_tracker_store_says_so() -> None:
    done = subprocess.run(
        [BOT, "privacy", "purge"],
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in __import__("os").environ.items() if k != "BOT_TRACKER_URL"},
    )
    assert done.returncode != 0
    assert "BOT_TRACKER_URL" in done.stderr and "Traceback" not in done.stderr
