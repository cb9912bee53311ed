"""``bot stats``: what people are asking now, read from the tracker store.

The numbers are checked against real conversations: the trained assistant with its action
server, conversations in PostgreSQL (the production endpoints), messages sent over the REST
channel, a channel marked down between messages. Edge cases a conversation can't be steered
into are checked on hand-filled tables (tests/tracker_rows.py).
"""

from __future__ import annotations

import json
import math
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from assistant import BIN, ROOT, Assistant, demo_store, free_port, running_assistant
from conftest import OUTAGE_NOW, drop_postgres_database, fresh_postgres_database
from sqlalchemy import create_engine, text
from tracker_rows import Trackers

from bot import cli, topics
from bot.clock import Clock
from bot.config import ConfigError, Settings, tracker_url_from
from bot.db import Store
from bot.services import channels, incidents, stats

NOW = "2023-11-28T10:00:00-05:00"
#: A member-ID-like string typed into an off-topic message: it must never be shown.
MEMBER_ID = "VTB123456789"


# --- definitions come from bot/topics.py -----------------------------------------------------


def test_topic_labels_and_fallbacks_come_from_bot_topics() -> None:
    for topic in topics.TOPICS:
        assert stats.topic_of(topic.intent) == topic.key
        assert stats.label_of(topic.key) == topic.label
    for intent in topics.SMALL_TALK:
        assert stats.topic_of(intent) == "small_talk"
    assert {stats.topic_of(i) for i in topics.SAFETY} == {"safety"}
    assert stats.topic_of("no_such_intent") == stats.topic_of(None) == stats.OTHER
    # Falling back means the intents "Did you mean …?" can't offer, and their actions …
    assert stats.FALLBACK_INTENTS == {"nlu_fallback", "out_of_scope"}
    assert stats.FALLBACK_ACTIONS == {"action_fallback", "action_out_of_scope"}
    # … which the domain declares, the rules run, and Rasa's core fallback is one of.
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    assert stats.FALLBACK_INTENTS <= set(domain["intents"])
    assert stats.FALLBACK_ACTIONS <= set(domain["actions"])
    config = (ROOT / "config.yml").read_text()
    assert "core_fallback_action_name: action_fallback" in config


# --- hand-filled tables: the window, turns, privacy ----------------------------------------


@pytest.fixture
def trackers(tmp_path: Path) -> Iterator[Trackers]:
    filled = Trackers(f"sqlite:///{tmp_path / 'trackers.db'}")
    yield filled
    filled.dispose()


def _report(trackers: Trackers, store: Store, **kwargs: Any) -> stats.Report:
    engine = stats.open_tracker(trackers.url)
    try:
        with store.read() as session:
            return stats.report(engine, session, session.info["now"], **kwargs)
    finally:
        engine.dispose()


def test_the_window_starts_with_the_incident_or_goes_back_24_hours(
    trackers: Trackers, sqlite_store: Store
) -> None:
    began = datetime.fromisoformat("2023-11-27T08:00:00-05:00").timestamp()
    now = OUTAGE_NOW.timestamp()
    trackers.turn("s1", "pharmacy number", "ask_pharmacy_help", began - 60)  # before it began
    trackers.turn("s2", "pharmacy number", "ask_pharmacy_help", began + 60)
    trackers.turn("s3", "part d line", "ask_part_d_help", now - 3600)

    during = _report(trackers, sqlite_store)
    assert during.window == "incident" and during.hours is None
    assert during.since.timestamp() == began
    assert [i.key for i in during.incidents] == ["nov-2023-phone-internet"]
    assert during.messages == 2

    last_day = _report(trackers, sqlite_store, hours=24)
    assert last_day.window == "hours" and last_day.hours == 24
    assert last_day.messages == 1 and last_day.topics[0].key == "part_d"

    with sqlite_store.begin("test") as session:
        for incident in incidents.active(session, session.info["now"]):
            incidents.resolve(session, incident.key, session.info["now"])
    quiet = _report(trackers, sqlite_store)
    assert quiet.window == "hours" and quiet.hours == stats.DEFAULT_HOURS and quiet.messages == 1


def test_turns_fallbacks_and_reply_times(trackers: Trackers, sqlite_store: Store) -> None:
    at = OUTAGE_NOW.timestamp() - 600
    trackers.turn("s1", "pharmacy number", "ask_pharmacy_help", at, after=0.4)
    # Rasa's core fallback: a known intent, answered by action_fallback.
    trackers.turn("s1", "claims??", "ask_claims_benefits", at + 10, action="action_fallback")
    # No reply in this turn: the next turn's reply is not its reply.
    trackers.turn("s2", "ok", "affirm", at + 20, reply=None)
    trackers.turn("s2", "blorp zib", "nlu_fallback", at + 80, action="action_fallback", after=2)
    # A button payload: counted as a message, never shown as a phrasing.
    trackers.turn("s3", "/ask_pharmacy_help", "ask_pharmacy_help", at + 30)
    report = _report(trackers, sqlite_store)

    assert report.messages == 5
    assert {t.key: t.messages for t in report.topics} == {
        "pharmacy": 2,
        "claims": 1,
        "small_talk": 1,
        "nlu_fallback": 1,
    }
    assert report.fell_back == 2 and report.fallback_share == pytest.approx(0.4)
    assert [(g.text, g.count) for g in report.unrecognised] == [("blorp zib", 1), ("claims??", 1)]
    assert report.timed_replies == 4  # not the message that got no reply
    assert report.median_reply_seconds == pytest.approx(0.5)
    assert sum(h.messages for h in report.per_hour) == 5


def test_phrasings_are_redacted_grouped_and_never_name_the_sender(
    trackers: Trackers, sqlite_store: Store
) -> None:
    at = OUTAGE_NOW.timestamp() - 600
    for i, said in enumerate(
        [
            f"renew my drivers license {MEMBER_ID}",
            "Renew my drivers   license VTB987654321",
            "call me at 802-555-0199 about my car",
        ]
    ):
        trackers.turn(
            f"secret-sender-{i}", said, "out_of_scope", at + i, action="action_out_of_scope"
        )
    report = _report(trackers, sqlite_store)
    assert [(g.text, g.count) for g in report.unrecognised] == [
        ("renew my drivers license <member_id>", 2),
        ("call me at <phone> about my car", 1),
    ]
    shown = json.dumps(stats.as_json(report)) + stats.render(report, sqlite_store.clock)
    for secret in (MEMBER_ID, "987654321", "555-0199", "secret-sender"):
        assert secret not in shown


def test_channels_offered_and_said_down_are_read_from_the_answers(
    trackers: Trackers, sqlite_store: Store
) -> None:
    at = OUTAGE_NOW.timestamp() - 600
    offer = "For help with prescriptions, call the Vermont Blue Rx pharmacy line at (877) 493-1947."
    down = "The Vermont Blue Rx pharmacy line is not available right now: Vendor outage."
    listed = (
        "Not working: Member Services phone line; Vermont Blue Rx pharmacy line (now unavailable)."
    )
    trackers.turn("s1", "pharmacy", "ask_pharmacy_help", at, reply=offer)
    trackers.turn("s2", "pharmacy", "ask_pharmacy_help", at + 1, reply=offer)
    trackers.turn("s3", "pharmacy", "ask_pharmacy_help", at + 2, reply=down)
    trackers.turn("s4", "what's down", "ask_outage_status", at + 3, reply=listed)
    counts = {c.key: (c.offered, c.said_down) for c in _report(trackers, sqlite_store).channels}
    assert counts == {"vermont_blue_rx": (2, 2), "member_phone": (0, 1)}


def test_a_pinned_clock_long_before_the_stamps_keeps_the_series_short(
    trackers: Trackers, sqlite_store: Store
) -> None:
    """The demo's clock is pinned to 2023; Rasa stamps with the wall clock (years later)."""
    wall = time.time()
    trackers.turn("s1", "pharmacy", "ask_pharmacy_help", wall - 2 * 3600)
    trackers.turn("s2", "pharmacy", "ask_pharmacy_help", wall)
    report = _report(trackers, sqlite_store)
    assert report.messages == 2
    assert len(report.per_hour) == 3  # from the first message's hour, zeros in between
    assert [h.messages for h in report.per_hour] == [1, 0, 1]


def test_an_empty_window(trackers: Trackers, sqlite_store: Store) -> None:
    report = _report(trackers, sqlite_store)
    assert report.messages == 0 and report.fallback_share is None
    assert report.median_reply_seconds is None and report.per_hour == []
    assert "0 messages" in stats.render(report, sqlite_store.clock)


def test_the_tracker_is_opened_read_only(
    tmp_path: Path, trackers: Trackers, sqlite_store: Store
) -> None:
    engine = stats.open_tracker(trackers.url)
    try:
        with pytest.raises(Exception, match="readonly"), engine.begin() as conn:
            conn.execute(text("DELETE FROM events"))
    finally:
        engine.dispose()
    missing = tmp_path / "nowhere.db"
    engine = stats.open_tracker(f"sqlite:///{missing}")
    try:
        with sqlite_store.read() as session:
            with pytest.raises(stats.TrackerUnavailable, match="cannot read the tracker store"):
                stats.report(engine, session, session.info["now"])
    finally:
        engine.dispose()
    assert not missing.exists()  # not created empty


def test_hours_are_counted_back_from_the_store_clock(
    trackers: Trackers, sqlite_store: Store
) -> None:
    now = OUTAGE_NOW.timestamp()
    trackers.turn("s1", "pharmacy", "ask_pharmacy_help", now - timedelta(hours=5).total_seconds())
    assert _report(trackers, sqlite_store, hours=6).messages == 1
    assert _report(trackers, sqlite_store, hours=4).messages == 0


def test_an_unreachable_tracker_store_is_one_line_without_password(sqlite_store: Store) -> None:
    engine = stats.open_tracker("postgresql://reader:s3cret@127.0.0.1:1/trackers")
    started = time.monotonic()
    try:
        with sqlite_store.read() as session, pytest.raises(stats.TrackerUnavailable) as caught:
            stats.report(engine, session, session.info["now"])
    finally:
        engine.dispose()
    assert time.monotonic() - started < 10
    assert "s3cret" not in str(caught.value) and "\n" not in str(caught.value)
    with pytest.raises(ConfigError):
        stats.open_tracker("not a url")


# --- where the tracker store is found -------------------------------------------------------


def test_the_tracker_url_is_derived_once_from_the_production_endpoints_variables() -> None:
    from assistant import production_env

    env = production_env(5055, "assistant_trackers", "prefix")
    assert tracker_url_from(env) == "postgresql://postgres@127.0.0.1:5432/assistant_trackers"
    assert Settings.from_env({**env, "BOT_NOW": NOW}).tracker_url == tracker_url_from(env)
    secret = {**env, "BOT_TRACKER_USER": "bot", "BOT_TRACKER_PASSWORD": "p@ss"}
    assert tracker_url_from(secret) == "postgresql://bot:p%40ss@127.0.0.1:5432/assistant_trackers"
    assert "p%40ss" not in repr(Settings.from_env({**secret, "BOT_NOW": NOW}))
    assert tracker_url_from({**env, "BOT_TRACKER_URL": "sqlite:///t.db"}) == "sqlite:///t.db"
    assert tracker_url_from({"BOT_TRACKER_HOST": "127.0.0.1:5432"}) is None  # no database
    assert tracker_url_from({}) is None  # `make run`: trackers in memory
    with pytest.raises(ConfigError, match="BOT_TRACKER_HOST"):
        tracker_url_from({**env, "BOT_TRACKER_HOST": "db:port"})


def test_without_a_tracker_store_the_command_says_so_politely(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("BOT_TRACKER_URL", "BOT_TRACKER_HOST", "BOT_TRACKER_DB"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BOT_NOW", NOW)
    assert cli.main(["stats"]) == 0
    out = capsys.readouterr()
    assert "not kept in a database" in out.out and out.err == ""
    assert cli.main(["stats", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"available": False, "message": stats.NO_TRACKER}


def test_the_command_reads_a_given_tracker_store(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    trackers: Trackers,
    sqlite_store: Store,
) -> None:
    trackers.turn("secret-sender", "pharmacy number", "ask_pharmacy_help", time.time())
    monkeypatch.setenv("BOT_DATABASE_URL", str(sqlite_store.engine.url))
    monkeypatch.setenv("BOT_NOW", NOW)
    assert cli.main(["stats", "--tracker-url", trackers.url, "--hours", "48"]) == 0
    shown = capsys.readouterr().out
    assert "in the last 48 hours" in shown and "help with prescriptions" in shown
    assert "secret-sender" not in shown
    assert cli.main(["stats", "--tracker-url", "postgresql://u:s3cret@127.0.0.1:1/x"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("bot: error: cannot read the tracker store") and "s3cret" not in err


# --- real conversations ------------------------------------------------------------------------

PHARMACY = [
    "what's the number for the pharmacy line?",
    "what's the pharmacy phone number",
    "who do I call about my prescription refill",
]
OFF_TOPIC = [
    "how do I renew my driver's license",
    f"can you renew my driver's license, my member id is {MEMBER_ID}",
]
PART_D = "what's the Part D number"


@dataclass
class Conversations:
    assistant: Assistant
    tracker_url: str
    store_url: str
    #: What each message got back, in order sent.
    replies: list[str]

    def report(self) -> stats.Report:
        store = Store.create(self.store_url, Clock.fixed(datetime.fromisoformat(NOW)))
        engine = stats.open_tracker(self.tracker_url)
        try:
            with store.read() as session:
                return stats.report(engine, session, session.info["now"])
        finally:
            engine.dispose()
            store.dispose()


@pytest.fixture(scope="module")
def conversations(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: str
) -> Iterator[Conversations]:
    """One running assistant for the module: the known messages, sent once."""
    workdir = tmp_path_factory.mktemp("stats")
    store_url = demo_store(workdir, NOW)
    tracker_db, tracker_url = fresh_postgres_database(postgres_server)
    try:
        with running_assistant(workdir, store_url, NOW, tracker_db=tracker_db) as assistant:

            def ask(said: str, who: str) -> str:
                return " ".join(assistant.ask(said, who))

            replies = [ask(PHARMACY[0], "stats-secret-1"), ask(PHARMACY[1], "stats-secret-2")]
            replies += [ask(said, "stats-secret-3") for said in OFF_TOPIC]
            replies.append(ask(PART_D, "stats-secret-4"))
            store = Store.create(store_url, Clock.fixed(datetime.fromisoformat(NOW)))
            with store.begin("stats-test") as session:
                channels.set_status(session, "vermont_blue_rx", "down", "Vendor phone outage")
            store.dispose()
            replies.append(ask(PHARMACY[2], "stats-secret-1"))
            yield Conversations(assistant, tracker_url, store_url, replies)
    finally:
        drop_postgres_database(postgres_server, tracker_db)


def _stored_intents(url: str) -> list[str]:
    """What the model really predicted, straight from the tracker store."""
    engine = create_engine(url, future=True)
    try:
        with engine.connect() as conn:
            query = text("SELECT intent_name FROM events WHERE type_name = 'user' ORDER BY id")
            return [row[0] for row in conn.execute(query)]
    finally:
        engine.dispose()


@pytest.mark.slow
def test_counts_by_topic_and_fallback_share(conversations: Conversations) -> None:
    assert "(877) 493-1947" in conversations.replies[0]
    assert "Vendor phone outage" in conversations.replies[-1]
    intents = _stored_intents(conversations.tracker_url)
    assert len(intents) == 6
    # The messages were chosen for what they are; the model must have read them so.
    assert intents.count("ask_pharmacy_help") == 3, intents
    assert intents.count("ask_part_d_help") == 1, intents
    assert sum(i in stats.FALLBACK_INTENTS for i in intents) == 2, intents

    report = conversations.report()
    assert report.window == "incident" and report.messages == 6
    by_topic = {t.key: t.messages for t in report.topics}
    assert by_topic["pharmacy"] == 3 and by_topic["part_d"] == 1
    assert by_topic.get("out_of_scope", 0) + by_topic.get("nlu_fallback", 0) == 2
    assert {t.label for t in report.topics} <= {t.label for t in topics.TOPICS}
    assert report.fell_back == 2 and report.fallback_share == pytest.approx(2 / 6)
    assert sum(h.messages for h in report.per_hour) == 6


@pytest.mark.slow
def test_unrecognised_phrasings_are_redacted_and_grouped(conversations: Conversations) -> None:
    shown = {g.text: g.count for g in conversations.report().unrecognised}
    assert shown == {
        "how do I renew my driver's license": 1,
        "can you renew my driver's license, my member id is <member_id>": 1,
    }


@pytest.mark.slow
def test_channels_offered_and_said_down(conversations: Conversations) -> None:
    report = conversations.report()
    counts = {c.key: c for c in report.channels}
    assert counts["vermont_blue_rx"].offered == 2  # before it went down
    assert counts["vermont_blue_rx"].said_down == 1  # after: "is not available right now"
    assert counts["vermont_blue_rx"].status == "down"
    assert counts["part_d_line"].offered == 1
    assert report.answers >= 6


@pytest.mark.slow
def test_median_reply_time_is_positive_and_finite(conversations: Conversations) -> None:
    report = conversations.report()
    assert report.timed_replies == 6
    assert report.median_reply_seconds is not None
    assert 0 < report.median_reply_seconds < 60 and math.isfinite(report.median_reply_seconds)


@pytest.mark.slow
def test_the_command_finds_the_production_trackers_by_itself(
    conversations: Conversations,
) -> None:
    """The assistant's environment (endpoints.production.yml's variables, no BOT_TRACKER_URL):
    ``bot stats`` derives the URL, prints no member data, and agrees with the service."""
    assert "BOT_TRACKER_URL" not in conversations.assistant.env
    as_json = conversations.assistant.bot("stats", "--json")
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout) == stats.as_json(conversations.report())
    table = conversations.assistant.bot("stats")
    assert table.returncode == 0, table.stderr
    assert "Vermont Blue Rx pharmacy line [vermont_blue_rx] (down)" in table.stdout
    assert "<member_id>" in table.stdout
    for secret in (MEMBER_ID, "stats-secret", "driver's license, my member id is VTB"):
        assert secret not in as_json.stdout + table.stdout


@pytest.mark.slow
def test_the_dashboard_api_under_the_production_environment(
    conversations: Conversations,
) -> None:
    """``bot serve`` as ``make run-scaled`` starts it learns the trackers from Settings."""
    assistant = conversations.assistant
    made = assistant.bot("token", "create", "stats-agent", "--role", "agent")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    port = free_port()
    log = assistant.workdir / "ops.log"
    serve = subprocess.Popen(
        [str(BIN / "bot"), "serve", "--port", str(port)],
        cwd=ROOT,
        env=assistant.env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        body = _get_json(f"http://127.0.0.1:{port}/api/stats", token, serve, log)
    finally:
        serve.terminate()
        serve.wait(timeout=30)
    assert body == stats.as_json(conversations.report())
    logged = log.read_text()
    for secret in (MEMBER_ID, "stats-secret", "renew my driver"):
        assert secret not in logged


def _get_json(url: str, token: str, proc: subprocess.Popen[bytes], log: Path) -> Any:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            raise RuntimeError(log.read_text()[-3000:])
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@pytest.mark.slow
def test_the_reader_cannot_write_to_the_postgres_trackers(conversations: Conversations) -> None:
    engine = stats.open_tracker(conversations.tracker_url)
    try:
        with pytest.raises(Exception, match="read-only"), engine.begin() as conn:
            conn.execute(text("DELETE FROM events"))
    finally:
        engine.dispose()
    assert len(_stored_intents(conversations.tracker_url)) == 6
