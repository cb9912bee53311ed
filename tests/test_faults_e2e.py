"""Faults with the real processes: the member is never left with silence."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from assistant import Assistant, demo_store, running_assistant

NOW = "2023-11-28T10:00:00-05:00"
TOKEN = "faults-test-token"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    workdir = tmp_path_factory.mktemp("faults")
    url = demo_store(workdir, NOW)
    with running_assistant(workdir, url, NOW, api_token=TOKEN, chat_limits=True) as running:
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


def test_a_flood_from_one_sender_is_slowed_and_others_are_not(assistant: Assistant) -> None:
    from bot.rest_channel import CHAT_BURST

    sent = CHAT_BURST + 5
    replies = [" ".join(assistant.ask("pharmacy number", "faults-flood")) for _ in range(sent)]
    slowed = [r for r in replies if "faster than I can read" in r]
    assert slowed and "911" in slowed[0]
    # A burst of CHAT_BURST is answered (plus what refills meanwhile), the rest slowed.
    assert sent - CHAT_BURST - 2 <= len(slowed) <= sent - CHAT_BURST
    assert "(877) 493-1947" in " ".join(assistant.ask("pharmacy number", "faults-someone-else"))


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


def test_identifiers_never_reach_the_tracker_or_the_logs(assistant: Assistant) -> None:
    said = (
        "my ssn is 123-45-6789, member id XYZ123456789, born 04/12/1961, email "
        "jane.doe@example.com, call me at 802-555-0199 about my claims"
    )
    reply = " ".join(assistant.ask(said, "faults-pii"))
    assert reply and "(Checked" in reply  # still understood and answered from the store
    url = f"http://127.0.0.1:{assistant.rasa_port}/conversations/faults-pii/tracker?token={TOKEN}"
    with urllib.request.urlopen(url, timeout=10) as response:
        tracker = response.read().decode()
    logs = "".join(p.read_text() for p in assistant.workdir.glob("*.log"))
    for secret in ("123-45-6789", "XYZ123456789", "04/12/1961", "jane.doe@example.com", "555-0199"):
        assert secret not in tracker and secret not in logs, secret
    assert "<ssn>" in tracker


def test_delete_my_chat_in_the_embedded_tracker_store(assistant: Assistant) -> None:
    assistant.ask("my ssn is 123-45-6789, where are my claims?", "faults-forget")
    reply = " ".join(assistant.ask("delete my chat", "faults-forget"))
    assert "deleted this conversation" in reply, reply
    url = (
        f"http://127.0.0.1:{assistant.rasa_port}/conversations/faults-forget/tracker?token={TOKEN}"
    )
    with urllib.request.urlopen(url, timeout=10) as response:
        tracker = response.read().decode()
    assert "claims" not in tracker and "delete my chat" not in tracker


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
