"""The operations CLI on SQLite and PostgreSQL: commands, effects, one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import cli, scenario
from bot.clock import Clock
from bot.db import Store
from bot.services import channels, incidents

BOT = str(Path(sys.executable).with_name("bot"))


@pytest.fixture
def env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("BOT_DATABASE_URL", database_url)
    monkeypatch.setenv("BOT_NOW", "2023-11-28T10:00:00-05:00")
    monkeypatch.setenv("BOT_ACTOR", "cli-test")
    return database_url


def run(*argv: str) -> int:
    return cli.main(list(argv))


def open_store(url: str) -> Store:
    return Store.create(url, Clock.fixed(scenario.demo_now(scenario.DEMO_SCENARIO)))  # type: ignore[arg-type]


def test_setup_migrates_and_loads_demo_once(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("setup") == 0
    assert "loaded demo scenario" in capsys.readouterr().out
    assert run("setup") == 0
    assert "already has data" in capsys.readouterr().out
    assert run("db", "status") == 0


def test_commands_refuse_an_unmigrated_store(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("channel", "list") == 1
    assert "bot db upgrade" in capsys.readouterr().err


def test_channel_set_status_changes_the_store_and_is_audited(
    env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("setup") == 0
    assert run("channel", "set-status", "vermont_blue_rx", "down", "--note", "line cut") == 0
    out = capsys.readouterr().out
    assert "vermont_blue_rx is now down" in out
    assert "(now unavailable)" in out and "incident_update nov-2023-phone-internet (body)" in out
    store = open_store(env)
    with store.read() as s:
        row = channels.get_channel(s, "vermont_blue_rx")
        assert (row.status, row.status_note, row.updated_by) == ("down", "line cut", "cli-test")
    store.dispose()
    capsys.readouterr()
    assert run("route", "show", "pharmacy") == 0
    out = capsys.readouterr().out
    assert "[SKIP ] vermont_blue_rx" in out and "[offer] member_resource_center" in out
    assert run("audit", "--entity", "channels", "--limit", "1") == 0
    assert "'up' -> 'down'" in capsys.readouterr().out


def test_incident_open_update_resolve(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("setup") == 0
    assert (
        run(
            "incident",
            "open",
            "email-down",
            "--title",
            "Secure email delayed",
            "--summary",
            "Replies are slow.",
            "--channels",
            "member_resource_center",
            "--post",
            "We are looking into it.",
        )
        == 0
    )
    assert (
        run(
            "incident",
            "update",
            "email-down",
            "--status",
            "monitoring",
            "--post",
            "A fix is in place.",
        )
        == 0
    )
    assert run("incident", "resolve", "email-down", "--note", "All caught up.") == 0
    store = open_store(env)
    with store.read() as s:
        inc = incidents.get_incident(s, "email-down")
        assert inc.status == "resolved" and inc.resolved_at is not None
        assert [u.body for u in inc.updates] == [
            "We are looking into it.",
            "A fix is in place.",
            "All caught up.",
        ]
    store.dispose()
    capsys.readouterr()
    assert run("incident", "list") == 0
    assert "email-down" not in capsys.readouterr().out
    assert run("incident", "list", "--all") == 0
    assert "email-down" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["channel", "set-status", "nope", "down"], "no channel named 'nope'"),
        (["incident", "update", "nope", "--status", "resolved"], "no incident named 'nope'"),
        (["incident", "update", "nov-2023-phone-internet", "--status", "fixed"], "status:"),
        (["incident", "update", "nov-2023-phone-internet"], "nothing to change"),
        (["incident", "open", "nov-2023-phone-internet", "--title", "x"], "already exists"),
        (["route", "show", "astrology"], "no topic named 'astrology'"),
        (["scenario", "load", "/nonexistent.yml"], "cannot read"),
        (
            [
                "incident",
                "update",
                "nov-2023-phone-internet",
                "--post",
                "Member Services phone line is working.",
            ],
            "member_phone",
        ),
        (
            [
                "incident",
                "update",
                "nov-2023-phone-internet",
                "--working-note",
                "Use VermontHealthConnect.gov to pay.",
            ],
            "exchange_website",
        ),
    ],
)
def test_bad_arguments_get_one_line_and_nonzero_exit(
    env: str, capsys: pytest.CaptureFixture[str], argv: list[str], needle: str
) -> None:
    assert run("setup") == 0
    capsys.readouterr()
    assert run(*argv) == 1
    err = capsys.readouterr().err
    assert needle in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_usage_errors_exit_2_without_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "BOT_DATABASE_URL": f"sqlite:///{tmp_path / 's.db'}"}
    result = subprocess.run(
        [BOT, "channel", "set-status", "x", "sideways"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "invalid choice" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "needle"),
    [
        ("BOT_DATABASE_URL", "not a url", "BOT_DATABASE_URL"),
        ("BOT_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none", "unreachable"),
        ("BOT_NOW", "yesterday-ish", "BOT_NOW"),
    ],
)
def test_bad_configuration_is_one_clear_line(variable: str, value: str, needle: str) -> None:
    env = {**os.environ, variable: value}
    result = subprocess.run(
        [BOT, "channel", "list"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode in (1, 2)
    assert needle in result.stderr and "Traceback" not in result.stderr


def test_translation_commands_edit_approve_and_list_what_is_missing(
    env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("setup") == 0
    assert run("translation", "missing") == 0  # the demo has every stored text in Spanish
    assert "everything is translated" in capsys.readouterr().out
    assert run("channel", "set-status", "vermont_blue_rx", "degraded", "--note", "Long waits") == 0
    capsys.readouterr()
    assert run("translation", "missing", "--language", "es") == cli.UNTRANSLATED
    out = capsys.readouterr().out
    assert "missing" in out and "channel vermont_blue_rx:status_note: Long waits" in out
    assert run("translation", "set", "channel", "vermont_blue_rx", "status_note", "Esperas.") == 0
    assert "saved channel:vermont_blue_rx:status_note:es" in capsys.readouterr().out
    assert run("translation", "missing") == 0
    statement = "Ningún dato de salud se vio comprometido (revisado)."
    field = ("incident", "nov-2023-phone-internet", "data_impact_statement")
    assert run("translation", "set", *field, statement) == 0
    assert "needs approval" in capsys.readouterr().out
    assert run("translation", "missing") == cli.UNTRANSLATED
    assert "unapproved" in capsys.readouterr().out
    assert run("--actor", "legal", "translation", "approve", *field) == 0
    assert run("translation", "list", "--language", "es") == 0
    assert f"({'approved by legal'}): {statement}" in capsys.readouterr().out
    assert run("translation", "set", "channel", "vermont_blue_rx", "contact", "x") == 1
    assert "not translated" in capsys.readouterr().err
