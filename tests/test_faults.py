"""Never silent: the last known routing when the store fails, emergency numbers always."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from helpers import run_action, tracker_for
from sqlalchemy.exc import OperationalError

from actions.base import shared_settings
from actions.topics import ActionPharmacyHelp
from bot import snapshot
from bot.clock import Clock
from bot.config import Settings
from bot.db import Store
from bot.services import channels


def _snapshot(store: Store) -> snapshot.Snapshot:
    with store.read() as s:
        return snapshot.of_channels(channels.list_channels(s), store.clock.now())


def test_snapshot_round_trip_is_atomic_and_public_only(sqlite_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "routing.json"
    taken = _snapshot(sqlite_store)
    snapshot.write(path, taken)
    assert snapshot.read(path) == taken
    assert not list(tmp_path.glob(".snapshot-*"))
    assert snapshot.read(tmp_path / "missing.json") is None
    (tmp_path / "broken.json").write_text("{not json")
    assert snapshot.read(tmp_path / "broken.json") is None


def test_fallback_gives_working_lines_as_of_the_read(sqlite_store: Store) -> None:
    taken = _snapshot(sqlite_store)
    text = snapshot.fallback_text(taken, sqlite_store.clock, 3600)
    assert "As of 10:00 AM" in text and "can't confirm" in text
    assert "(877) 493-1947" in text and "(888) 620-1746" in text
    assert "911" in text
    assert "Member Services phone line" not in text  # down in the snapshot


def test_a_stale_or_missing_snapshot_gives_only_what_is_always_true(sqlite_store: Store) -> None:
    taken = _snapshot(sqlite_store)
    later = Clock.fixed(sqlite_store.clock.now() + timedelta(days=2))
    for text in (
        snapshot.fallback_text(taken, later, 3600),
        snapshot.fallback_text(None, sqlite_store.clock, 3600),
    ):
        assert "911" in text and "988" in text and "1-800-222-1222" in text
        assert "877" not in text


def test_store_failure_answers_from_the_last_known_routing(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _ = run_action(ActionPharmacyHelp(), sqlite_store, tracker_for("ask_pharmacy_help"))
    assert "(877) 493-1947" in first[0]
    path = Settings.from_env().snapshot_path
    assert snapshot.read(path) is not None, "a successful answer keeps the routing"

    # The action server's clock is the store's: the same pinned moment.
    monkeypatch.setenv("BOT_NOW", "2023-11-28T10:05:00-05:00")
    shared_settings.cache_clear()

    def unreachable() -> Store:
        raise OperationalError("select 1", {}, Exception("connection refused"))

    action = ActionPharmacyHelp()
    action.store_factory = unreachable  # type: ignore[assignment]
    import asyncio

    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, tracker_for("ask_pharmacy_help"), {}))
    text = dispatcher.messages[0]["text"]
    assert "As of 10:00 AM" in text and "(877) 493-1947" in text and "911" in text
    shared_settings.cache_clear()


def test_the_snapshot_follows_a_channel_going_down(sqlite_store: Store) -> None:
    run_action(ActionPharmacyHelp(), sqlite_store, tracker_for("ask_pharmacy_help"))
    with sqlite_store.begin("ops") as s:
        channels.set_status(s, "vermont_blue_rx", "down", "Vendor outage.")
    run_action(ActionPharmacyHelp(), sqlite_store, tracker_for("ask_pharmacy_help"))
    kept = snapshot.read(Settings.from_env().snapshot_path)
    assert kept is not None
    assert {c.key: c.status for c in kept.channels}["vermont_blue_rx"] == "down"
    text = snapshot.fallback_text(kept, sqlite_store.clock, 3600)
    assert "493-1947" not in text


def test_snapshot_times_use_the_pinned_clock(sqlite_store: Store) -> None:
    taken = _snapshot(sqlite_store)
    assert taken.read_at == datetime.fromisoformat("2023-11-28T10:00:00-05:00")
