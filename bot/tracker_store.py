"""Conversation storage that fails loudly and recovers, for replicas that share trackers.

Rasa 3.6 has two behaviours we can't accept when several Rasa servers share conversations:

- ``SQLTrackerStore`` loops forever in its constructor while the database is down, so the
  server never opens its port and nobody can be told anything;
- the agent wraps every tracker store in ``FailSafeTrackerStore``, which answers a failed
  read with a *new, empty* tracker (the member's prior-auth form is forgotten) and a failed
  write by saving to process memory (other replicas never see it, a restart loses it).

:class:`PatientSQLTrackerStore` connects lazily, so Rasa starts and reports "not ready" while
the database is away; :func:`fail_loudly` makes the agent's wrapper re-raise, so a turn that
can't be read or saved is refused as a whole (the chat channel asks the member to send it
again) and nothing is half-stored: a save is one transaction, and an unsaved turn is simply
resent. Configured in ``endpoints.production.yml``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator, Generator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import sqlalchemy as sa
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore, RedisLockStore
from rasa.core.tracker_store import (
    FailSafeTrackerStore,
    SQLTrackerStore,
    TrackerStore,
    create_engine_kwargs,
    ensure_schema_exists,
)
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

#: A connection attempt to the tracker database gives up after this many seconds.
CONNECT_TIMEOUT_SECONDS = 3


class StorageUnavailable(Exception):
    """The conversation could not be read, locked or saved: the turn did not happen."""


class PatientSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` that starts while its database is down and reconnects by itself."""

    def __init__(
        self,
        domain: Any = None,
        dialect: str = "sqlite",
        host: str | None = None,
        port: int | None = None,
        db: str = "rasa.db",
        username: str | None = None,
        password: str | None = None,
        event_broker: Any = None,
        login_db: str | None = None,
        query: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self._db = db
        self._login_db = login_db
        self._url = sa.engine.make_url(
            self.get_db_url(dialect, host, port, db, username, password, login_db, query)
        )
        self._use_engine(self._url)
        self._schema_ready = False
        self._schema_lock = threading.Lock()
        TrackerStore.__init__(self, domain, event_broker, **kwargs)
        try:
            self._ensure_schema()
        except sa.exc.SQLAlchemyError as exc:
            log.warning(
                "tracker database unreachable at start (%s): not ready until it answers",
                type(exc).__name__,
            )

    def _use_engine(self, url: sa.engine.URL) -> None:
        kwargs = create_engine_kwargs(url)
        if url.get_backend_name() == "postgresql":
            kwargs.setdefault("connect_args", {})["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
        # A connection the database (or a proxy) dropped is noticed before it is used.
        self.engine = sa.create_engine(url, pool_pre_ping=True, **kwargs)
        self.sessionmaker = sessionmaker(bind=self.engine)

    def _ensure_schema(self) -> None:
        """Create the database and the events table once, the first time the database answers."""
        if self._schema_ready:
            return
        with self._schema_lock:
            if self._schema_ready:
                return
            if self._login_db:
                self._create_database_and_update_engine(self._db, self._url)
                self.engine.dispose()
                self._use_engine(self._url.set(database=self._db))
            try:
                self.Base.metadata.create_all(self.engine)
            except sa.exc.ProgrammingError:
                pass  # another replica created it at the same moment
            self._schema_ready = True
            log.info("tracker database connected")

    @contextmanager
    def session_scope(self) -> Generator[Session, None, None]:
        self._ensure_schema()
        session = self.sessionmaker()
        try:
            ensure_schema_exists(session)
            yield session
        finally:
            session.close()

    def ping(self) -> None:
        """Raise unless the database answers now (readiness)."""
        self._ensure_schema()
        with self.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))


class PatientRedisLockStore(RedisLockStore):
    """Redis conversation locks that hold across replicas, and whose release never turns a
    saved turn into a failed one.

    Rasa 3.6's Redis lock store keeps a conversation's queue of tickets as one JSON value that
    each server reads, changes and writes back: two replicas taking the same conversation's
    turns at once both read "nobody waiting" and both go ahead, and one's events are lost
    (``tests/test_scale_out.py`` sent two messages at once and found one in the tracker).
    Here a turn holds Redis's own atomic lock (``SET NX PX`` with a token, released only by
    its holder: redis-py's ``Lock``). It lapses after ``TICKET_LOCK_LIFETIME`` seconds, so a
    replica that dies mid-turn can't block its conversation for longer.

    Taking the lock fails loudly when Redis is away (the turn is refused and resent).
    Releasing it happens after the turn is saved; if Redis went away meanwhile, the lock
    lapses by itself, so the member must not be told to resend a saved message."""

    #: How often a turn waiting for its conversation looks again (turns take ~50 ms).
    POLL_SECONDS = 0.02

    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        # Rasa builds a custom lock store from its whole endpoint configuration.
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url, **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = POLL_SECONDS,
    ) -> AsyncIterator[None]:
        turn = self.red.lock(f"{self.key_prefix}{conversation_id}:turn", timeout=lock_lifetime)
        # Whoever holds it now lets go, or their lock lapses, within one lifetime.
        deadline = time.monotonic() + 2 * lock_lifetime
        while not turn.acquire(blocking=False):
            if time.monotonic() >= deadline:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            await asyncio.sleep(min(wait_time_in_seconds, self.POLL_SECONDS))
        try:
            yield None
        finally:
            try:
                turn.release()
            except Exception as exc:  # noqa: BLE001 - the lock lapses on its own
                log.warning("releasing a conversation lock failed: %s", type(exc).__name__)


def _reraise(error: Exception) -> None:
    raise StorageUnavailable(type(error).__name__) from error


def fail_loudly(tracker_store: TrackerStore) -> TrackerStore:
    """Make Rasa's ``FailSafeTrackerStore`` re-raise instead of forgetting or keeping in memory.

    Returns the store that really holds the conversations (for readiness checks)."""
    if isinstance(tracker_store, FailSafeTrackerStore):
        tracker_store._on_tracker_store_error = _reraise
        return tracker_store._tracker_store
    return tracker_store


def ping_tracker_store(store: TrackerStore) -> None:
    """Raise if the tracker store can't be reached now. Stores kept in process memory always can."""
    inner = getattr(store, "_tracker_store", store)
    if isinstance(inner, PatientSQLTrackerStore):
        inner.ping()
    elif isinstance(inner, SQLTrackerStore):
        with inner.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))


def ping_lock_store(store: LockStore) -> None:
    """Raise if the lock store can't be reached now."""
    if isinstance(store, RedisLockStore):
        store.red.ping()


def is_storage_failure(error: BaseException) -> bool:
    """Whether a failed turn failed because the conversation couldn't be read, locked or saved."""
    import redis

    seen: BaseException | None = error
    while seen is not None:
        if isinstance(
            seen, StorageUnavailable | LockError | sa.exc.SQLAlchemyError | redis.RedisError
        ):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
