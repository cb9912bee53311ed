"""The outbound-message guard in the service and the CLI, on SQLite and PostgreSQL.

The HTTP side is in tests/web/test_web_messages.py; here: what holds a message (a channel
down by the CLI, an incident listing it, a message saved while its channel is down), what
does not (a degraded channel no incident lists, an inactive message, a channel coming back),
and the CLI's lines and exit codes.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot import cli
from bot.db import Store
from bot.errors import Conflict, Invalid
from bot.models import AuditEntry
from bot.services import channels, incidents, outbound

REMINDER = "exchange_payment_reminder"
IVR = "pharmacy_ivr_prompt"


def _held(store: Store) -> dict[str, str]:
    with store.read() as s:
        return {str(m.key): str(m.held_reason) for m in outbound.list_messages(s, held=True)}


def _save(store: Store, key: str, text: str, **extra: object) -> None:
    data = {"key": key, "name": key, "kind": "sms_template", "owner": "comms", "text": text}
    with store.begin("editor") as s:
        outbound.upsert_message(s, {**data, **extra})


def test_the_demo_holds_the_exchange_reminder_and_nothing_else(store: Store) -> None:
    held = _held(store)
    assert list(held) == [REMINDER]
    assert "Vermont Health Connect" in held[REMINDER] and "which is down" in held[REMINDER]


def test_a_channel_going_down_holds_what_names_it_and_coming_back_does_not_release(
    store: Store,
) -> None:
    with store.begin("ops") as s:
        channels.set_status(s, "vermont_blue_rx", "down", "carrier outage")
    held = _held(store)
    assert IVR in held and "Vermont Blue Rx" in held[IVR] and "carrier outage" in held[IVR]
    with store.read() as s:
        query = select(AuditEntry).where(
            AuditEntry.entity == "outbound_messages", AuditEntry.entity_key == IVR
        )
        audited = list(s.scalars(query.order_by(AuditEntry.id)))
        assert audited[-1].actor == "ops" and audited[-1].after["held_at"] is not None
    with store.begin("ops") as s:
        channels.set_status(s, "vermont_blue_rx", "up", None)
    assert IVR in _held(store)  # only an editor releases
    with store.begin("editor") as s:
        outbound.release(s, IVR)
    assert IVR not in _held(store)


def test_degraded_holds_only_when_an_incident_lists_the_channel(store: Store) -> None:
    # The demo's Member Resource Center is degraded and no incident lists it: not held.
    _save(store, "portal_sms", "Send us a secure email in the Member Resource Center.")
    assert "portal_sms" not in _held(store)
    with store.read() as s:
        problems = outbound.check(s, "Send us a secure email in the Member Resource Center.")
        assert [(p.channel, p.status) for p in problems] == [("member_resource_center", "degraded")]
    with store.begin("ops") as s:
        incident = incidents.get_incident(s, "nov-2023-phone-internet")
        listed = [str(c.key) for c in incident.channels]
        incidents.update_incident(
            s, incident.key, {"channels": [*listed, "member_resource_center"]}, s.info["now"]
        )
    held = _held(store)
    assert "portal_sms" in held and "nov-2023-phone-internet" in held["portal_sms"]


def test_saving_while_down_holds_at_once_unless_inactive(store: Store) -> None:
    text = "Pay online at VermontHealthConnect.gov before the 15th."
    _save(store, "draft_off", text, active=False)
    assert "draft_off" not in _held(store)
    _save(store, "draft_on", text)
    assert "draft_on" in _held(store)
    # Turning the inactive one on is a save like any other: it is held then.
    _save(store, "draft_off", text, active=True)
    assert "draft_off" in _held(store)


def test_release_is_refused_while_still_blocked_unless_forced(store: Store) -> None:
    with store.begin("editor") as s, pytest.raises(Conflict, match="not working"):
        outbound.release(s, REMINDER)
    with store.begin("editor") as s:
        outbound.release(s, REMINDER, force=True)
    with store.begin("editor") as s, pytest.raises(Conflict, match="not held"):
        outbound.release(s, REMINDER)


def test_check_reports_each_channel_once_with_the_words_found(store: Store) -> None:
    draft = (
        "Pay at VermontHealthConnect.gov. Questions? Call Vermont Blue Rx at (877) 493-1947, "
        "or pay at vermonthealthconnect.gov again."
    )
    with store.read() as s:  # the same words in another case are the same problem
        assert [p.as_dict() for p in outbound.check(s, draft)] == [
            {"channel": "exchange_website", "status": "down", "found": "VermontHealthConnect.gov"}
        ]
        assert outbound.check(s, "Thank you for your patience.") == []
        assert outbound.check(s, "") == []


def test_bad_messages_are_refused_with_the_field(store: Store) -> None:
    with pytest.raises(Invalid, match="kind"):
        _save(store, "bad_kind", "hello", kind="fax")
    with pytest.raises(Invalid, match="active"):
        _save(store, "bad_active", "hello", active="yes")
    with pytest.raises(Invalid, match="text"):
        _save(store, "no_text", "")


# --- the CLI ------------------------------------------------------------------------------


@pytest.fixture
def env(store: Store, database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("BOT_DATABASE_URL", database_url)
    monkeypatch.setenv("BOT_NOW", "2023-11-28T10:00:00-05:00")
    monkeypatch.setenv("BOT_ACTOR", "cli-test")
    return database_url


def test_the_cli_lists_holds_checks_and_releases(
    env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["message", "list", "--held"]) == 0
    out = capsys.readouterr().out
    assert REMINDER in out and "HELD" in out and IVR not in out

    assert cli.main(["channel", "set-status", "vermont_blue_rx", "down", "--note", "cut"]) == 0
    assert (
        f"outgoing messages held (an editor releases them): outage_banner, {IVR}"
        in capsys.readouterr().out
    )

    assert (
        cli.main(["message", "check", "Call (877) 493-1947 for refills"]) == cli.DRAFT_HAS_PROBLEMS
    )
    assert "points at vermont_blue_rx, which is down" in capsys.readouterr().out
    assert cli.main(["message", "check", "Thank you for waiting"]) == 0
    capsys.readouterr()

    assert cli.main(["message", "release", IVR]) == 1
    assert "change its text first" in capsys.readouterr().err
    assert cli.main(["message", "release", IVR, "--force"]) == 0
    assert f"released {IVR}" in capsys.readouterr().out

    assert cli.main(["message", "show", "no_such_message"]) == 1
    assert "no_such_message" in capsys.readouterr().err


def test_the_cli_registers_a_message_from_a_file(
    env: str, tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    from pathlib import Path

    draft = Path(str(tmp_path)) / "email.txt"
    draft.write_text("Renew at VermontHealthConnect.gov today.", encoding="utf-8")
    argv = ["message", "add", "renewal_email", "--name", "Renewal", "--kind", "email_template"]
    assert cli.main([*argv, "--owner", "exchange team", "--file", str(draft)]) == 0
    out = capsys.readouterr().out
    assert "renewal_email" in out and "HELD" in out and "names exchange_website (down)" in out
    assert cli.main([*argv, "--owner", "x", "--file", str(draft), "--text", "both"]) == 1
    assert "not both" in capsys.readouterr().err
