"""The conversation stores fail: PostgreSQL (trackers) and Redis (locks), at start and mid-run.

The real servers and the real PostgreSQL and Redis; a proxy the test can cut stands between
Rasa and each store. A replica that shares conversations must never carry on from memory:
readiness goes red, the member is asked to resend (with the last known routing), and when
the store is back the conversation resumes where it was, every message stored once.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from assistant import Assistant, running_assistant
from conftest import drop_postgres_database, fresh_postgres_database
from sqlalchemy import create_engine, text
from tcpproxy import TcpProxy

from bot import migrate, scenario
from bot.clock import Clock
from bot.db import Store

NOW = "2023-11-28T10:00:00-05:00"
pytestmark = pytest.mark.slow


@dataclass
class Faulty:
    assistant: Assistant
    tracker: TcpProxy
    locks: TcpProxy
    tracker_url: str

    def ready(self) -> tuple[int, dict[str, object]]:
        url = f"http://127.0.0.1:{self.assistant.rasa_port}/webhooks/rest/ready"
        try:
            with urllib.request.urlopen(url, timeout=15) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def wait_ready(self, want: int = 200) -> dict[str, object]:
        deadline = time.monotonic() + 30
        while True:
            status, body = self.ready()
            if status == want or time.monotonic() > deadline:
                assert status == want, body
                return body
            time.sleep(0.5)

    def say(self, message: str, sender: str) -> str:
        return " ".join(self.assistant.ask(message, sender))

    def user_texts(self, sender: str) -> list[str]:
        engine = create_engine(self.tracker_url, future=True)
        try:
            with engine.connect() as conn:
                rows = conn.execute(
                    text(
                        "SELECT data FROM events WHERE sender_id = :s AND type_name = 'user' "
                        "ORDER BY id"
                    ),
                    {"s": sender},
                )
                return [json.loads(data)["text"] for (data,) in rows]
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory, postgres_server: str) -> Iterator[Faulty]:
    """Both stores behind proxies that start *cut*: the stores are down when Rasa starts."""
    workdir = tmp_path_factory.mktemp("storagefaults")
    store_db, url = fresh_postgres_database(postgres_server)
    tracker_db, tracker_url = fresh_postgres_database(postgres_server)
    store = Store.create(url, Clock.fixed(datetime.fromisoformat(NOW)))
    migrate.upgrade(store.engine)
    with store.begin("test-loader") as s:
        scenario.load(s, scenario.read(scenario.DEMO_SCENARIO), store.clock.now())
    store.dispose()
    tracker = TcpProxy(5432, up=False)
    locks = TcpProxy(6379, up=False)
    try:
        with running_assistant(
            workdir,
            url,
            NOW,
            tracker_db=tracker_db,
            tracker_port=tracker.port,
            redis_port=locks.port,
        ) as running:
            yield Faulty(running, tracker, locks, tracker_url)
    finally:
        tracker.close()
        locks.close()
        drop_postgres_database(postgres_server, store_db)
        drop_postgres_database(postgres_server, tracker_db)
    logs = "\n".join(p.read_text() for p in workdir.glob("*.log"))
    assert "pharmacy number" not in logs, "a member's message reached a log"
    assert "InMemoryTrackerStore" not in logs, "a replica fell back to keeping trackers in memory"


def test_stores_down_at_start_the_server_still_opens_and_says_not_ready(faulty: Faulty) -> None:
    status, body = faulty.ready()
    assert status == 503, body
    checks = body["checks"]
    assert isinstance(checks, dict)
    assert checks["tracker_store"] != "ok" and checks["lock_store"] != "ok"
    reply = faulty.say("what's the pharmacy number?", "down-at-start")
    assert "send it again" in reply and "911" in reply
    faulty.locks.restore()
    status, body = faulty.ready()
    assert status == 503 and body["checks"]["lock_store"] == "ok"  # type: ignore[index]
    assert "send it again" in faulty.say("what's the pharmacy number?", "down-at-start")
    faulty.tracker.restore()
    faulty.wait_ready()
    assert "(877) 493-1947" in faulty.say("what's the pharmacy number?", "down-at-start")
    # Only the message that was answered is stored; the refused ones were never half-saved.
    assert faulty.user_texts("down-at-start") == ["what's the pharmacy number?"]


def test_tracker_database_lost_mid_form_the_form_resumes_and_nothing_is_lost(
    faulty: Faulty,
) -> None:
    faulty.tracker.restore()
    faulty.locks.restore()
    faulty.wait_ready()
    sender = "mid-form"
    assert "What is the prior authorization for?" in faulty.say(
        "I need a prior authorization", sender
    )
    faulty.tracker.cut()
    refused = faulty.say('/inform{"service_category":"other"}', sender)
    assert "send it again" in refused and "(877) 493-1947" in refused, refused
    faulty.wait_ready(503)
    faulty.tracker.restore()
    faulty.wait_ready()
    # Resent: the form goes on from where it was (it was not forgotten).
    assert "date of the service" in faulty.say('/inform{"service_category":"other"}', sender)
    assert faulty.user_texts(sender) == [
        "I need a prior authorization",
        '/inform{"service_category":"other"}',
    ]


def test_lock_store_lost_mid_conversation_refuses_then_resumes(faulty: Faulty) -> None:
    faulty.tracker.restore()
    faulty.locks.restore()
    faulty.wait_ready()
    sender = "mid-locks"
    assert "What is the prior authorization for?" in faulty.say(
        "I need a prior authorization", sender
    )
    faulty.locks.cut()
    refused = faulty.say('/inform{"service_category":"other"}', sender)
    assert "send it again" in refused and "911" in refused, refused
    status, body = faulty.ready()
    assert status == 503 and body["checks"]["lock_store"] != "ok"  # type: ignore[index]
    faulty.locks.restore()
    faulty.wait_ready()
    assert "date of the service" in faulty.say('/inform{"service_category":"other"}', sender)
    assert faulty.user_texts(sender) == [
        "I need a prior authorization",
        '/inform{"service_category":"other"}',
    ]
