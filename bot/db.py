"""Engine and sessions: one ``sessionmaker`` per engine; callers frame transactions.

Nothing connects at import time. ``Store.begin(actor)`` opens a transaction whose flushes
are audited under that actor, at the time given by the store's clock; ``Store.change``
runs one such transaction again, from a fresh read, when another writer got there first.

Writers never act on a stale read: on PostgreSQL the services read the rows they change
with ``SELECT ... FOR UPDATE`` (:func:`for_change`); on SQLite a writing transaction starts
with ``BEGIN IMMEDIATE``, so it holds the database's write lock from its first read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql import Select

from bot import audit
from bot.clock import Clock
from bot.config import ConfigError, Settings

STORE_TIMEOUT_SECONDS = 5
#: How many times ``Store.change`` runs a unit of work that lost a race before giving up.
CHANGE_ATTEMPTS = 4
#: PostgreSQL's "try again" errors: serialization failure, deadlock detected.
_RETRYABLE_PGCODES = frozenset({"40001", "40P01"})
#: Execution option naming how a SQLite transaction begins (DEFERRED or IMMEDIATE).
_SQLITE_BEGIN = "bot_sqlite_begin"

T = TypeVar("T")
log = logging.getLogger(__name__)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={STORE_TIMEOUT_SECONDS * 1000}")
    cursor.close()
    # We say when transactions begin (below), instead of pysqlite's "before the first
    # INSERT", which let a writer read outside its transaction.
    dbapi_conn.isolation_level = None


def _sqlite_begin(connection: Connection) -> None:
    mode = connection.get_execution_options().get(_SQLITE_BEGIN, "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


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
        event.listen(engine, "begin", _sqlite_begin)
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
            if self.engine.dialect.name == "sqlite":
                session.connection(execution_options={_SQLITE_BEGIN: "IMMEDIATE"})
            session.info["actor"] = actor
            session.info["now"] = self.clock.now()
            yield session

    def change(self, actor: str, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one transaction; if another writer changed a row it had read
        (a version conflict) or PostgreSQL asks to retry, run it again from a fresh read.

        ``work`` must be safe to repeat: it reads what it needs from the session it is given.
        """
        for attempt in range(1, CHANGE_ATTEMPTS + 1):
            try:
                with self.begin(actor) as session:
                    return work(session)
            except (StaleDataError, OperationalError) as exc:
                if not is_retryable(exc) or attempt == CHANGE_ATTEMPTS:
                    raise
                log.info("change by %s lost a race (attempt %d); retrying", actor, attempt)
        raise AssertionError("unreachable")  # pragma: no cover

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


def is_retryable(exc: BaseException) -> bool:
    """A conflict that a fresh attempt can resolve (never a timeout or a lost connection)."""
    if isinstance(exc, StaleDataError):
        return True
    code = getattr(getattr(exc, "orig", None), "pgcode", None)
    return isinstance(exc, OperationalError) and code in _RETRYABLE_PGCODES


def for_change(query: Select) -> Select:
    """A read of rows about to be changed: locked until commit (``FOR UPDATE``; SQLite
    ignores it, its writers already hold the write lock)."""
    return query.with_for_update()


def lock_name(session: Session, name: str) -> None:
    """Serialize writers of something with no single row to lock (e.g. a route list):
    a transaction-scoped advisory lock on PostgreSQL; SQLite writers are already serial."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})
