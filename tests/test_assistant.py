"""The real assistant end to end: trained model, running servers, REST channel, live store.

Slow (a model is loaded): one server pair is shared by the whole module.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from assistant import BIN, MODEL, ROOT, Assistant, running_assistant

from bot import migrate, scenario
from bot.clock import Clock
from bot.db import Store

NOW = "2023-11-28T10:00:00-05:00"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    workdir = tmp_path_factory.mktemp("assistant")
    url = f"sqlite:///{workdir / 'store.db'}"
    store = Store.create(url, Clock.fixed(scenario.demo_now(scenario.DEMO_SCENARIO)))  # type: ignore[arg-type]
    migrate.upgrade(store.engine)
    with store.begin("test-loader") as s:
        scenario.load(s, scenario.read(scenario.DEMO_SCENARIO), store.clock.now())
    store.dispose()
    with running_assistant(workdir, url, NOW) as running:
        yield running
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
