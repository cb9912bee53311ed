"""Faults with the real processes: the member is never left with silence."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime

import pytest
from assistant import Assistant, running_assistant

from bot import migrate, scenario
from bot.clock import Clock
from bot.db import Store

NOW = "2023-11-28T10:00:00-05:00"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    workdir = tmp_path_factory.mktemp("faults")
    url = f"sqlite:///{workdir / 'store.db'}"
    store = Store.create(url, Clock.fixed(datetime.fromisoformat(NOW)))
    migrate.upgrade(store.engine)
    with store.begin("test-loader") as s:
        scenario.load(s, scenario.read(scenario.DEMO_SCENARIO), store.clock.now())
    store.dispose()
    with running_assistant(workdir, url, NOW) as running:
        yield running


def test_a_huge_message_is_refused_politely_and_others_are_not_held_up(
    assistant: Assistant,
) -> None:
    started = time.monotonic()
    reply = " ".join(assistant.ask("help " * 20_000, "faults-huge"))
    assert "too long" in reply and "911" in reply
    assert time.monotonic() - started < 5
    assert "(877) 493-1947" in " ".join(assistant.ask("pharmacy phone number", "faults-next"))
    log = (assistant.workdir / "rasa.log").read_text()
    assert "help help help" not in log  # the text itself is never logged


def test_bad_requests_get_a_json_error(assistant: Assistant) -> None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{assistant.rasa_port}/webhooks/rest/webhook",
        data=json.dumps({"message": "hi"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 400
    assert "sender" in json.loads(caught.value.read())["error"]["message"]


def test_action_server_down_still_answers_from_the_last_known_routing(
    assistant: Assistant,
) -> None:
    assert "(877) 493-1947" in " ".join(assistant.ask("pharmacy phone number", "faults-1"))
    actions = assistant.processes[0]
    actions.terminate()
    actions.wait(timeout=30)
    for question in ("what's the pharmacy number?", "is my data safe?", "hello"):
        reply = " ".join(assistant.ask(question, "faults-2"))
        assert reply, question
        assert "As of 10:00 AM" in reply and "(877) 493-1947" in reply and "911" in reply
    # Fixed answers need no action server at all.
    assert "911" in " ".join(assistant.ask("I'm having chest pain", "faults-3"))
