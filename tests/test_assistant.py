"""The real assistant end to end: trained model, running servers, REST channel, live store.

Slow (a model is loaded): one server pair is shared by the whole module.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from assistant import BIN, MODEL, ROOT, Assistant, running_assistant
from conftest import drop_postgres_database, fresh_postgres_database

from bot import migrate, scenario
from bot.clock import Clock
from bot.db import Store

NOW = "2023-11-28T10:00:00-05:00"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def assistant(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: str
) -> Iterator[Assistant]:
    """The production shape: live store and trackers in PostgreSQL, locks in Redis."""
    workdir = tmp_path_factory.mktemp("assistant")
    store_db, url = fresh_postgres_database(postgres_server)
    tracker_db, _ = fresh_postgres_database(postgres_server)
    store = Store.create(url, Clock.fixed(datetime.fromisoformat(NOW)))
    migrate.upgrade(store.engine)
    with store.begin("test-loader") as s:
        scenario.load(s, scenario.read(scenario.DEMO_SCENARIO), store.clock.now())
    store.dispose()
    try:
        with running_assistant(workdir, url, NOW, tracker_db=tracker_db) as running:
            yield running
    finally:
        drop_postgres_database(postgres_server, store_db)
        drop_postgres_database(postgres_server, tracker_db)
    log = workdir / "netguard.log"
    assert not log.exists(), f"a server tried to reach the internet:\n{log.read_text()}"


def test_pharmacy_line_then_line_down_then_alternative(assistant: Assistant) -> None:
    first = " ".join(assistant.ask("what's the number for the pharmacy line?", "e2e-1"))
    assert "(877) 493-1947" in first

    result = assistant.bot(
        "channel", "set-status", "vermont_blue_rx", "down", "--note", "Vendor phone outage"
    )
    assert result.returncode == 0, result.stderr

    second = " ".join(assistant.ask("what's the number for the pharmacy line?", "e2e-1"))
    assert "493-1947" not in second
    assert "Vendor phone outage" in second
    assert "Member Resource Center" in second

    restored = assistant.bot("channel", "set-status", "vermont_blue_rx", "up")
    assert restored.returncode == 0, restored.stderr
    assert "(877) 493-1947" in " ".join(assistant.ask("pharmacy phone number", "e2e-1"))


def test_outage_status_and_part_d(assistant: Assistant) -> None:
    status = " ".join(assistant.ask("are your phones down?", "e2e-2"))
    assert "Internet and phone service outage" in status
    part_d = " ".join(assistant.ask("I have medicare part d and need help", "e2e-2"))
    assert "(888) 620-1746" in part_d


def test_out_of_scope_is_honest(assistant: Assistant) -> None:
    reply = " ".join(assistant.ask("what's the weather like in paris tomorrow", "e2e-3"))
    assert "can't help with that" in reply or "not sure I understood" in reply


def test_conversation_tests_pass_with_running_action_server(
    assistant: Assistant, tmp_path: Path
) -> None:
    result = subprocess.run(
        [
            str(BIN / "rasa"),
            "test",
            "core",
            "--model",
            str(MODEL),
            "--stories",
            str(ROOT / "tests" / "conversations"),
            "--endpoints",
            str(assistant.endpoints),
            "--fail-on-prediction-errors",
            "--out",
            str(tmp_path / "results"),
            "--no-plot",
        ],
        cwd=ROOT,
        env=assistant.env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    failed = tmp_path / "results" / "failed_test_stories.yml"
    detail = failed.read_text() if failed.exists() else result.stdout[-4000:]
    assert result.returncode == 0, f"conversation tests failed:\n{detail}\n{result.stderr[-3000:]}"


def test_prior_auth_form_over_rest(assistant: Assistant) -> None:
    sender = "e2e-form"
    first = " ".join(assistant.ask("I need a prior authorization", sender))
    assert "What is the prior authorization for?" in first
    assert "date of the service" in " ".join(
        assistant.ask('/inform{"service_category":"other"}', sender)
    )
    assert "in our network" in " ".join(assistant.ask("december 1", sender))
    answer = " ".join(assistant.ask('/inform{"network":"in_network"}', sender))
    assert "No prior authorization is needed" in answer and "December 1, 2023" in answer


def test_prior_auth_date_outside_the_waiver(assistant: Assistant) -> None:
    sender = "e2e-form-2"
    assistant.ask("do I need prior approval for a surgery", sender)
    replies = " ".join(assistant.ask("it is on december 12", sender))
    if "in our network" not in replies:  # the category may still be asked first
        replies = " ".join(assistant.ask('/inform{"service_category":"other"}', sender))
    answer = " ".join(assistant.ask('/inform{"network":"in_network"}', sender))
    assert "does not apply to December 12, 2023" in answer


def test_payment_never_points_to_the_shut_down_site(assistant: Assistant) -> None:
    reply = " ".join(assistant.ask("how do I pay my premium?", "e2e-pay"))
    assert "VermontHealthConnect.gov" not in reply
    assert "mail a check" in reply


def test_contact_while_phones_are_down_offers_the_secure_message_route(
    assistant: Assistant,
) -> None:
    reply = " ".join(assistant.ask("how do I talk to a person?", "e2e-contact"))
    assert "not available right now" in reply  # the dead phone line is named as down ...
    assert "secure" in reply and "Member Resource Center" in reply  # ... and a live route given
    assert "(Checked 10:00 AM.)" in reply


def test_data_impact_is_the_approved_statement_with_its_time(assistant: Assistant) -> None:
    reply = " ".join(assistant.ask("was my health data hacked?", "e2e-data"))
    assert '"No health care data has been compromised with this outage."' in reply
    assert "Statement confirmed Nov 28, 2023" in reply


def test_claims_carry_the_current_through_caveat(assistant: Assistant) -> None:
    reply = " ".join(assistant.ask("where can I see my claims?", "e2e-claims"))
    assert "current through November 26, 2023" in reply


def test_email_followup_says_no_need_to_resend(assistant: Assistant) -> None:
    said = "I emailed you yesterday, do I need to send it again?"
    reply = " ".join(assistant.ask(said, "e2e-email"))
    assert "no need to send it again" in reply and "Replies are delayed" in reply


def test_resolving_the_incident_changes_the_next_answer(assistant: Assistant) -> None:
    before = " ".join(assistant.ask("what's going on with your phones?", "e2e-resolve"))
    assert "Internet and phone service outage (since" in before
    done = assistant.bot(
        "incident", "resolve", "nov-2023-phone-internet", "--note", "Phones and internet are back."
    )
    assert done.returncode == 0, done.stderr
    after = " ".join(assistant.ask("what's going on with your phones?", "e2e-resolve"))
    assert "was resolved" in after and "longer wait" in after


def test_conversations_are_kept_in_the_postgres_tracker_store(assistant: Assistant) -> None:
    from sqlalchemy import create_engine, text

    tracker_db = assistant.env["BOT_TRACKER_DB"]
    engine = create_engine(f"postgresql://postgres@127.0.0.1:5432/{tracker_db}", future=True)
    try:
        with engine.connect() as conn:
            senders = {
                row[0] for row in conn.execute(text("select distinct sender_id from events"))
            }
    finally:
        engine.dispose()
    assert "e2e-1" in senders


def test_delete_my_chat_deletes_the_stored_conversation(assistant: Assistant) -> None:
    """The member asks; the conversation leaves the PostgreSQL tracker store, and they're told."""
    from sqlalchemy import create_engine, text

    assistant.ask("where can I see my claims?", "e2e-forget")
    assistant.ask("is the pharmacy line working?", "e2e-other")
    tracker_db = assistant.env["BOT_TRACKER_DB"]
    engine = create_engine(f"postgresql://postgres@127.0.0.1:5432/{tracker_db}", future=True)
    count = text("SELECT count(*) FROM events WHERE sender_id = :s")
    try:
        with engine.connect() as conn:
            assert conn.execute(count, {"s": "e2e-forget"}).scalar() > 0
        reply = " ".join(assistant.ask("please delete this chat, I typed my id", "e2e-forget"))
        assert "deleted this conversation" in reply, reply
        with engine.connect() as conn:
            assert conn.execute(count, {"s": "e2e-forget"}).scalar() == 0
            assert conn.execute(count, {"s": "e2e-other"}).scalar() > 0  # only theirs
        again = " ".join(assistant.ask("what's the pharmacy number?", "e2e-forget"))
        assert "(877) 493-1947" in again  # a new conversation starts normally
    finally:
        engine.dispose()
