"""Row versions in the store (SQLite and PostgreSQL): counted on every change, checked by
every UPDATE (compare-and-swap), writers that read under a lock, a lost race redone from a
fresh read, and migration 0004."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from bot import migrate
from bot.db import Store
from bot.models import AuditEntry, Channel, Route, metadata
from bot.services import channels, routing

VERSIONED = (
    "channels",
    "routes",
    "incidents",
    "incident_updates",
    "data_freshness",
    "date_rules",
    "answer_texts",
)


def version_of(store: Store, key: str) -> int:
    with store.read() as s:
        return int(channels.get_channel(s, key).version)


def latest_audit(store: Store) -> AuditEntry:
    with store.read() as s:
        entry = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert entry is not None
        s.expunge(entry)
        return entry


def test_versions_start_at_one_and_count_changes(store: Store) -> None:
    assert version_of(store, "part_d_line") == 1
    with store.begin("ops") as s:
        channels.set_status(s, "part_d_line", "down", "cut")
    entry = latest_audit(store)
    assert (entry.before["version"], entry.after["version"]) == (1, 2)
    with store.begin("ops") as s:
        channels.set_status(s, "part_d_line", "down", "cut")  # no change: no new version
        channels.set_status(s, "part_d_line", "up")
        s.flush()
        channels.set_status(s, "part_d_line", "degraded")  # a second flush: one more
    assert version_of(store, "part_d_line") == 4
    with store.begin("ops") as s:
        routing.set_route(s, "pharmacy", "member", ["member_resource_center"])
        assert routing.route_version(s, "pharmacy", "member") == 2
        assert routing.route_version(s, "nothing", "member") is None


def test_a_write_from_a_stale_read_is_refused_by_the_version_check(store: Store) -> None:
    """The UPDATE names the version it read: if the row moved on, nothing is written."""
    with store.read() as s:
        stale = channels.get_channel(s, "part_d_line")
        s.expunge(stale)
    with store.begin("editor-a") as s:
        channels.set_status(s, "part_d_line", "down", "editor A was first")
    count = _audit_count(store)
    with pytest.raises(StaleDataError), store.begin("editor-b") as s:
        mine = s.merge(stale, load=False)  # as read before editor A's change
        mine.status_note = "editor B overwrites"
    assert _audit_count(store) == count
    with store.read() as s:
        assert channels.get_channel(s, "part_d_line").status_note == "editor A was first"


def _audit_count(store: Store) -> int:
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry)) or 0


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_change_that_lost_a_race_is_redone_from_a_fresh_read(store: Store) -> None:
    """``Store.change``: read without a lock, someone else commits, our write is refused and
    the whole unit runs again; both changes stand and the trail is one chain."""
    attempts: list[int] = []

    def careless(session: Session) -> None:
        row = session.scalar(select(Channel).where(Channel.key == "part_d_line"))  # no lock
        attempts.append(row.version)
        if len(attempts) == 1:
            done = threading.Thread(target=_other_editor, args=(store,))
            done.start()
            done.join()
        row.status_note = "mine"

    store.change("careless", careless)
    assert attempts == [1, 2]
    with store.read() as s:
        query = select(AuditEntry).where(AuditEntry.entity_key == "part_d_line")
        other, mine = list(s.scalars(query.order_by(AuditEntry.id)))[-2:]
        assert (other.actor, mine.actor) == ("other", "careless")
        assert mine.before == other.after and mine.after["version"] == 3


def _other_editor(store: Store) -> None:
    with store.begin("other") as s:
        channels.set_status(s, "part_d_line", "degraded", "theirs")


def test_sqlite_writers_hold_the_write_lock_from_their_first_read(
    sqlite_store: Store,
) -> None:
    """BEGIN IMMEDIATE: between a writer's read and its commit no one else can write."""
    path = sqlite_store.engine.url.database
    with sqlite_store.begin("ops") as s:
        channels.get_channel(s, "part_d_line", lock=True)
        other = sqlite3.connect(str(path), timeout=0.05, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()
    with sqlite_store.read() as s:  # readers are never blocked
        assert s.scalar(select(func.count()).select_from(Route)) > 0


def test_migration_0004_matches_the_model_and_downgrades_keeping_data(store: Store) -> None:
    with store.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), metadata)
    assert [d for d in diffs if "version" in repr(d)] == []
    with store.begin("ops") as s:
        channels.set_status(s, "part_d_line", "down", "cut")
    migrate.downgrade(store.engine, "0004")  # outgoing messages (0005) go first
    counts = _row_counts(store)
    migrate.downgrade(store.engine, "0003")
    for table in VERSIONED:
        assert "version" not in {c["name"] for c in inspect(store.engine).get_columns(table)}
    assert _row_counts(store) == counts  # dropping a column cascaded to nothing
    migrate.upgrade(store.engine)
    assert migrate.current_revision(store.engine) == migrate.head_revision()
    assert _row_counts(store) == counts
    assert version_of(store, "part_d_line") == 1  # rows already stored start at 1


def _row_counts(store: Store) -> dict[str, int]:
    with store.engine.connect() as connection:
        return {
            t: connection.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one()
            for t in (*VERSIONED, "text_mentions", "incident_channels")
        }
