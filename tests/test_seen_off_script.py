"""What a new user saw go wrong off the scripted path, through the real assistant.

Trained model, running action server, REST channel, SQLite store; each test is one report
from the issue "Answers that stay true on paths nobody scripted".
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from assistant import Assistant, demo_store, running_assistant

NOW = "2023-11-28T10:00:00-05:00"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    workdir = tmp_path_factory.mktemp("offscript")
    url = demo_store(workdir, NOW)
    with running_assistant(workdir, url, NOW) as running:
        yield running


def say(assistant: Assistant, *messages: str) -> str:
    """Send messages as one new person; the replies to the last one."""
    sender = f"offscript-{uuid.uuid4().hex[:8]}"
    replies: list[str] = []
    for message in messages:
        replies = assistant.ask(message, sender)
    return " ".join(replies)


def test_prior_auth_details_in_the_first_message_are_kept(assistant: Assistant) -> None:
    reply = say(
        assistant,
        "Hi, this is the orthopedic office. Do we need a prior auth for an in-network knee "
        "arthroscopy scheduled Nov 30?",
    )
    assert "No prior authorization is needed" in reply
    assert "November 30, 2023" in reply
    assert "What is the prior authorization for" not in reply


def test_urgent_out_of_network_provider_gets_the_answering_service(assistant: Assistant) -> None:
    reply = say(
        assistant,
        "We're a provider and need an urgent out-of-network prior auth for tomorrow",
        "a surgery",
    )
    assert "802-371-0130" in reply


def test_in_network_surgery_before_the_waiver_gets_an_answer(assistant: Assistant) -> None:
    reply = say(assistant, "in network surgery on 11/21/23, need PA?")
    assert "Is there anything else" not in reply
    assert "November 21, 2023" in reply
    assert "No prior authorization is needed" not in reply


def test_a_correction_updates_the_form(assistant: Assistant) -> None:
    sender = f"offscript-{uuid.uuid4().hex[:8]}"
    assistant.ask("do we need a PA for a surgery on dec 1? we are the provider's office", sender)
    reply = " ".join(assistant.ask("actually it's out of network, and it is urgent", sender))
    assert "802-371-0130" in reply


def test_provider_contact_gets_provider_channels(assistant: Assistant) -> None:
    reply = say(assistant, "provider here - how do I contact you today")
    assert "Provider Resource Center" in reply
    assert "Member Resource Center" not in reply


def test_saying_who_you_are_gets_an_answer(assistant: Assistant) -> None:
    reply = say(assistant, "I'm calling from a provider office")
    assert "provider" in reply.lower()


@pytest.mark.parametrize(
    ("message", "number"),
    [
        ("I'm having chest pain what should i do", "911"),
        ("I want to kill myself", "988"),
        ("my son swallowed some bleach", "1-800-222-1222"),
    ],
)
def test_emergencies_answer_first(assistant: Assistant, message: str, number: str) -> None:
    assert number in say(assistant, message)


def test_emergency_in_the_middle_of_the_form(assistant: Assistant) -> None:
    reply = say(assistant, "I need a prior authorization", "I'm having chest pain")
    assert reply.startswith("If this is a medical emergency, call 911")


def test_status_is_short_and_offers_the_detail(assistant: Assistant) -> None:
    sender = f"offscript-{uuid.uuid4().hex[:8]}"
    replies = assistant.ask_full("what's down right now?", sender)
    text = " ".join(r.get("text", "") for r in replies)
    assert len(text) <= 400, text
    assert "Member Services phone line" in text
    buttons = [b for r in replies for b in r.get("buttons", [])]
    assert any(b["title"] == "What's affected?" for b in buttons)
    detail = " ".join(r.get("text", "") for r in assistant.ask_full(buttons[0]["payload"], sender))
    assert "Lumen" in detail


def test_what_still_works_follows_the_channel_state(assistant: Assistant) -> None:
    down = assistant.bot("channel", "set-status", "vermont_blue_rx", "down", "--note", "Vendor")
    assert down.returncode == 0, down.stderr
    try:
        for question in ("what still works?", '/ask_outage_status{"detail":"affected"}'):
            reply = say(assistant, question)
            assert "493-1947" not in reply, reply
    finally:
        assistant.bot("channel", "set-status", "vermont_blue_rx", "up")


def test_imaging_in_the_carelon_portal_is_not_the_rehab_error(assistant: Assistant) -> None:
    reply = say(assistant, "how do we submit an MRI prior auth in the Carelon portal?")
    assert "Manage Your User Profile" not in reply
    assert "Carelon" in reply


def test_therapy_during_the_waiver_is_not_the_2024_program(assistant: Assistant) -> None:
    reply = say(
        assistant, "do we need a prior auth for in-network physical therapy on Nov 30? provider"
    )
    assert "No prior authorization is needed" in reply
    assert "2024" not in reply


def test_emergency_words_in_a_claims_question_get_the_line_first_then_the_answer(
    assistant: Assistant,
) -> None:
    sender = f"offscript-{uuid.uuid4().hex[:8]}"
    replies = assistant.ask(
        "my mom had a heart attack in September and we keep getting bills, where can I see "
        "her claims?",
        sender,
    )
    assert replies[0].startswith("If anyone needs help right now, call 911")
    assert "Member Resource Center" in " ".join(replies[1:])


# Issue 11's reports: understanding off the script.


def test_another_utilitys_bill_is_not_our_premium(assistant: Assistant) -> None:
    reply = say(assistant, "how do I pay my electric bill to Green Mountain Power")
    assert "question for Green Mountain Power" in reply, reply
    assert "premium" not in reply.lower()


def test_a_phone_carriers_outage_is_not_ours(assistant: Assistant) -> None:
    reply = say(assistant, "my cell phone has no service, is AT&T having an outage")
    assert "question for AT&T" in reply, reply
    assert "Not working:" not in reply


def test_a_drug_prior_auth_at_the_pharmacy_gets_the_pharmacy_line(assistant: Assistant) -> None:
    reply = say(assistant, "I'm at Walgreens and they say the prior auth on my Humira expired")
    assert "(877) 493-1947" in reply, reply
    assert "can't help" not in reply


def test_a_therapy_question_answered_with_its_missing_detail_keeps_its_date(
    assistant: Assistant,
) -> None:
    """Found with make run: the therapy answer asked "in network?", and the answer to that
    lost the therapy and the date ("Tell me the service, its date and …")."""
    first, reply = (
        say(assistant, "we're a PT clinic, do we need prior auth for a patient starting dec 4"),
        say(
            assistant,
            "we're a PT clinic, do we need prior auth for a patient starting dec 4",
            "in network",
        ),
    )
    assert "in our network" in first
    assert "December 4, 2023" in reply
    assert "Tell me the service" not in reply
