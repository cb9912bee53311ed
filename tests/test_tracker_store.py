"""The conversation stores against a closed port: no hang at start, a clear failure, recovery.

(`tests/test_storage_faults.py` runs the whole assistant with proxies cut mid-run.)
"""

from __future__ import annotations

import asyncio
import time

import pytest
from conftest import drop_postgres_database, fresh_postgres_database
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from tcpproxy import TcpProxy

from bot import tracker_store
from bot.balancer import free_port


def _store(port: int, db: str) -> tracker_store.PatientSQLTrackerStore:
    return tracker_store.PatientSQLTrackerStore(
        Domain.empty(),
        dialect="postgresql",
        host=f"127.0.0.1:{port}",
        db=db,
        username="postgres",
        login_db="test",
    )


async def test_tracker_database_on_a_closed_port_fails_fast_then_recovers(
    postgres_server: str,
) -> None:
    name, _ = fresh_postgres_database(postgres_server)
    closed = free_port()
    try:
        started = time.monotonic()
        store = _store(closed, name)  # Rasa's own store would loop here forever
        assert time.monotonic() - started < 10
        with pytest.raises(Exception) as caught:
            tracker_store.ping_tracker_store(store)
        assert tracker_store.is_storage_failure(caught.value)
        # Rasa's wrapper, made to fail loudly, neither forgets nor keeps in memory.
        wrapped = FailSafeTrackerStore(store)
        assert tracker_store.fail_loudly(wrapped) is store
        tracker = DialogueStateTracker.from_events("closed", [UserUttered("hello")])
        with pytest.raises(tracker_store.StorageUnavailable):
            await wrapped.save(tracker)
        with pytest.raises(tracker_store.StorageUnavailable):
            await wrapped.retrieve("closed")
        # The same database behind a proxy that comes up: the next call just works.
        with TcpProxy(5432) as proxy:
            store = _store(proxy.port, name)
            wrapped = FailSafeTrackerStore(store)
            tracker_store.fail_loudly(wrapped)
            await wrapped.save(tracker)
            again = await wrapped.retrieve("closed")
            assert again is not None and again.latest_message.text == "hello"
            proxy.cut()
            with pytest.raises(tracker_store.StorageUnavailable):
                await wrapped.retrieve("closed")
            proxy.restore()
            assert (await wrapped.retrieve("closed")) is not None  # pre-ping reconnects
            store.engine.dispose()
    finally:
        drop_postgres_database(postgres_server, name)


def test_lock_store_on_a_closed_port_is_a_storage_failure() -> None:
    locks = tracker_store.PatientRedisLockStore(host="127.0.0.1", port=free_port())
    with pytest.raises(Exception) as caught:
        tracker_store.ping_lock_store(locks)
    assert tracker_store.is_storage_failure(caught.value)
    with pytest.raises(Exception) as caught:
        asyncio.run(_take(locks, "someone"))
    assert tracker_store.is_storage_failure(caught.value)


async def _take(locks: tracker_store.PatientRedisLockStore, conversation: str) -> None:
    async with locks.lock(conversation):
        pass


def test_a_conversation_lock_admits_one_turn_at_a_time_and_lapses() -> None:
    """Real Redis: two turns of one conversation never overlap, other conversations don't
    wait, and a lock whose holder died lapses after its lifetime."""
    import uuid

    locks = tracker_store.PatientRedisLockStore(host="127.0.0.1", port=6379)
    conversation = f"lock-test-{uuid.uuid4().hex}"
    inside: list[int] = []
    overlaps: list[int] = []

    async def turn(n: int) -> None:
        async with locks.lock(conversation):
            inside.append(n)
            if len(inside) > 1:
                overlaps.append(n)
            await asyncio.sleep(0.05)
            inside.remove(n)

    async def main() -> float:
        await asyncio.gather(*(turn(n) for n in range(8)))
        # A holder that died: its lock is taken and never released.
        dead = locks.red.lock(f"{locks.key_prefix}{conversation}:turn", timeout=1.0)
        assert dead.acquire(blocking=False)
        start = asyncio.get_running_loop().time()
        async with locks.lock(f"{conversation}-other"):
            pass  # another conversation does not wait
        assert asyncio.get_running_loop().time() - start < 0.5
        async with locks.lock(conversation):
            return asyncio.get_running_loop().time() - start

    waited = asyncio.run(main())
    assert overlaps == []
    assert 0.8 < waited < 3.0
