"""Engine and sessions: one ``sessionmaker`` per engine; callers frame transactions.

Nothing connects at import time. ``Store.begin(actor)`` opens a transaction whose flushes
are audited under that actor, at the time given by the store's clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from bot import audit
from bot.clock import Clock
from bot.config import ConfigError, Settings

STORE_TIMEOUT_SECONDS = 5


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={STORE_TIMEOUT_SECONDS * 1000}")
    cursor.close()


def make_engine(database_url: str) -> Engine:
    """Create an engine with timeouts, so a store outage fails fast instead of hanging."""
    try:
        url = make_url(database_url)
    except ArgumentError as exc:
        raise ConfigError(f"BOT_DATABASE_URL is not a database URL: {exc}") from exc
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, future=True, connect_args={"timeout": STORE_TIMEOUT_SECONDS})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    connect_args: dict[str, Any] = {}
    if url.get_backend_name() == "postgresql":
        connect_args = {
            "connect_timeout": STORE_TIMEOUT_SECONDS,
            "options": f"-c statement_timeout={STORE_TIMEOUT_SECONDS * 1000}",
        }
    return create_engine(url, future=True, pool_pre_ping=True, connect_args=connect_args)


@dataclass
class Store:
    engine: Engine
    clock: Clock
    factory: sessionmaker

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        return cls.create(settings.database_url, Clock.from_settings(settings))

    @classmethod
    def create(cls, database_url: str, clock: Clock) -> Store:
        engine = make_engine(database_url)
        factory = sessionmaker(bind=engine, future=True, expire_on_commit=False)
        audit.install(factory)
        return cls(engine=engine, clock=clock, factory=factory)

    @contextmanager
    def begin(self, actor: str) -> Iterator[Session]:
        """A transaction; commits on success, rolls back on error."""
        with self.factory.begin() as session:
            session.info["actor"] = actor
            session.info["now"] = self.clock.now()
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work (rolled back at the end)."""
        with self.factory() as session:
            session.info["actor"] = "reader"
            session.info["now"] = self.clock.now()
            try:
                yield session
            finally:
                session.rollback()

    def dispose(self) -> None:
        self.engine.dispose()
