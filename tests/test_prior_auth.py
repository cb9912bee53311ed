"""Prior authorization: which questions are asked, and what each case is told."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from helpers import run_action, tracker_for
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.prior_auth import (
    CASE_SLOTS,
    ActionPriorAuthAnswer,
    ActionStartPriorAuth,
    ValidatePriorAuthForm,
)
from bot.answers.prior_auth import PriorAuthCase, answer, missing
from bot.db import Store

NOV_30 = date(2023, 11, 30)
DEC_5 = date(2023, 12, 5)


@pytest.mark.parametrize(
    ("case", "still_needed"),
    [
        (PriorAuthCase(""), ["service_category"]),
        (PriorAuthCase("advanced_imaging"), []),
        (PriorAuthCase("pharmacy"), []),
        (PriorAuthCase("other"), ["service_date", "network"]),
        (PriorAuthCase("other", "in_network", service_date=NOV_30), []),
        (PriorAuthCase("other", "out_of_network", service_date=NOV_30), ["urgency", "audience"]),
        (PriorAuthCase("other", "out_of_network", True, NOV_30, "member"), []),
        # On Nov 28, 2023 the Carelon therapy program (announced Aug 29, 2024) is not known
        # yet: therapy is an ordinary service, so the network matters. (This case used to
        # expect [] — it read a rule from the future.)
        (PriorAuthCase("outpatient_therapy", service_date=date(2024, 12, 20)), ["network"]),
        (PriorAuthCase("outpatient_therapy", service_date=NOV_30), ["network"]),
    ],
)
def test_only_questions_that_change_the_answer_are_asked(
    sqlite_store: Store, case: PriorAuthCase, still_needed: list[str]
) -> None:
    with sqlite_store.read() as s:
        assert missing(case, s) == still_needed


@pytest.mark.parametrize(
    ("case", "must", "must_not"),
    [
        (
            PriorAuthCase("other", "in_network", service_date=NOV_30),
            ["No prior authorization is needed", "November 30, 2023"],
            ["regular process"],
        ),
        (
            PriorAuthCase("other", "in_network", service_date=DEC_5),
            ["does not apply to December 5, 2023", "regular process"],
            ["No prior authorization"],
        ),
        (
            PriorAuthCase("advanced_imaging", audience="provider"),
            ["Carelon", "waiver does not cover advanced imaging"],
            ["No prior authorization"],
        ),
        (
            PriorAuthCase("pharmacy", audience="provider"),
            ["Vermont Blue Rx portal"],
            ["No prior authorization"],
        ),
        (
            PriorAuthCase("other", "out_of_network", True, NOV_30, "provider"),
            ["802-371-0130", "on-call nurse"],
            [],
        ),
        (
            PriorAuthCase("other", "out_of_network", True, NOV_30, "member"),
            ["provider's office", "answering service"],
            ["802-371-0130"],
        ),
        (
            PriorAuthCase("other", "out_of_network", False, NOV_30, "provider"),
            ["regular process", "utilization management email"],
            ["802-371-0130"],
        ),
        (
            PriorAuthCase("other", "out_of_network", True, DEC_5, "provider"),
            ["regular process applies"],
            ["802-371-0130"],
        ),
    ],
)
def test_answers_follow_the_rules_in_the_store(
    sqlite_store: Store, case: PriorAuthCase, must: list[str], must_not: list[str]
) -> None:
    with sqlite_store.read() as s:
        text = answer(s, sqlite_store.clock, case).text
    for needle in must:
        assert needle in text
    for needle in must_not:
        assert needle not in text


def test_waiver_dates_edited_in_the_store_change_the_answer(sqlite_store: Store) -> None:
    from bot.services import rules

    with sqlite_store.begin("ops") as s:
        rules.upsert_rule(s, {"key": "prior_auth_waiver", "ends_on": "2023-12-10"})
    with sqlite_store.read() as s:
        text = answer(
            s, sqlite_store.clock, PriorAuthCase("other", "in_network", service_date=DEC_5)
        ).text
    assert "No prior authorization is needed" in text


def test_form_reads_the_date_from_free_text(sqlite_store: Store) -> None:
    form = ValidatePriorAuthForm()
    form.store_factory = lambda: sqlite_store  # type: ignore[method-assign]
    tracker = tracker_for("inform", "it's on next tuesday")
    dispatcher = CollectingDispatcher()
    validated = asyncio.run(
        form.validate_service_date("it's on next tuesday", dispatcher, tracker, {})
    )
    assert validated == {"service_date": "2023-12-05"}
    assert dispatcher.messages == []


def test_form_says_when_it_cannot_read_a_date(sqlite_store: Store) -> None:
    form = ValidatePriorAuthForm()
    form.store_factory = lambda: sqlite_store  # type: ignore[method-assign]
    tracker = tracker_for("inform", "whenever the doctor says")
    dispatcher = CollectingDispatcher()
    validated = asyncio.run(
        form.validate_service_date("whenever the doctor says", dispatcher, tracker, {})
    )
    assert validated == {"service_date": None}
    assert "couldn't read that date" in dispatcher.messages[0]["text"]


def test_start_keeps_only_what_this_message_says(sqlite_store: Store) -> None:
    tracker = tracker_for(
        "ask_prior_auth",
        "prior auth for an MRI on dec 5",
        slots={"service_date": "today", "network": "out_of_network", "audience": "provider"},
        entities=[
            {"entity": "service_category", "value": "advanced_imaging"},
            {"entity": "DATE", "value": "dec 5"},
        ],
    )
    _, events = run_action(ActionStartPriorAuth(), sqlite_store, tracker)
    assert {e["name"]: e["value"] for e in events} == {
        "service_category": "advanced_imaging",
        "network": None,
        "urgency": None,
        "service_date": "2023-12-05",  # read against the store's clock, not left as words
    }


def test_start_after_did_you_mean_keeps_the_words_that_were_not_understood(
    sqlite_store: Store,
) -> None:
    first = {
        "text": "in network surgery on 11/21/23, need PA?",
        "intent": {"name": "nlu_fallback"},
        "entities": [
            {"entity": "network", "value": "in_network"},
            {"entity": "service_category", "value": "other"},
            {"entity": "DATE", "value": "11/21/23"},
        ],
    }
    tracker = tracker_for("ask_prior_auth", "/ask_prior_auth")
    tracker.events.insert(0, {"event": "user", "text": first["text"], "parse_data": first})
    _, events = run_action(ActionStartPriorAuth(), sqlite_store, tracker)
    assert {e["name"]: e["value"] for e in events} == {
        "service_category": "other",
        "network": "in_network",
        "urgency": None,
        "service_date": "2023-11-21",
    }


def _after_an_answered_case(intent: str, text: str, entities: list[dict]) -> Tracker:
    """A conversation whose MRI case (in network, Dec 5) was answered, then ``text``."""
    tracker = tracker_for(intent, text, entities=entities)
    answered = [
        {"event": "slot", "name": "service_category", "value": "advanced_imaging"},
        {"event": "slot", "name": "network", "value": "in_network"},
        {"event": "slot", "name": "service_date", "value": "2023-12-05"},
        {"event": "action", "name": "action_prior_auth_answer"},
        *({"event": "slot", "name": name, "value": None} for name in CASE_SLOTS),
    ]
    tracker.events[0:0] = answered
    return tracker


@pytest.mark.parametrize(
    "text",
    [
        "ok and what if it's out of network and urgent?",
        "¿y si fuera fuera de la red y urgente?",
        "and would it need a prior auth if it's out of network and urgent",
    ],
)
def test_a_follow_up_changes_only_the_details_it_names(sqlite_store: Store, text: str) -> None:
    tracker = _after_an_answered_case(
        "ask_prior_auth",
        text,
        [
            {"entity": "network", "value": "out_of_network"},
            {"entity": "urgency", "value": "urgent"},
        ],
    )
    _, events = run_action(ActionStartPriorAuth(), sqlite_store, tracker)
    assert {e["name"]: e["value"] for e in events} == {
        "service_category": "advanced_imaging",
        "network": "out_of_network",
        "urgency": "urgent",
        "service_date": "2023-12-05",
    }


def test_a_follow_up_confirmed_with_yes_after_did_you_mean_keeps_the_case(
    sqlite_store: Store,
) -> None:
    tracker = _after_an_answered_case("ask_prior_auth", "/ask_prior_auth", [])
    unsure = {
        "text": "¿y si fuera fuera de la red?",
        "intent": {"name": "nlu_fallback"},
        "entities": [{"entity": "network", "value": "out_of_network"}],
    }
    tracker.events.insert(-1, {"event": "user", "text": unsure["text"], "parse_data": unsure})
    _, events = run_action(ActionStartPriorAuth(), sqlite_store, tracker)
    assert {e["name"]: e["value"] for e in events}["service_category"] == "advanced_imaging"
    assert {e["name"]: e["value"] for e in events}["network"] == "out_of_network"


@pytest.mark.parametrize(
    "text", ["I need a prior auth for something urgent", "necesito otra autorización urgente"]
)
def test_a_new_request_after_an_answer_starts_fresh(sqlite_store: Store, text: str) -> None:
    tracker = _after_an_answered_case(
        "ask_prior_auth", text, [{"entity": "urgency", "value": "urgent"}]
    )
    _, events = run_action(ActionStartPriorAuth(), sqlite_store, tracker)
    assert {e["name"]: e["value"] for e in events}["service_category"] is None


def test_form_asks_only_what_is_missing(sqlite_store: Store) -> None:
    form = ValidatePriorAuthForm()
    form.store_factory = lambda: sqlite_store  # type: ignore[method-assign]
    tracker = tracker_for("ask_prior_auth", slots={"service_category": "advanced_imaging"})
    needed = asyncio.run(form.required_slots([], CollectingDispatcher(), tracker, {}))
    assert needed == []


def test_answer_action_clears_the_case_but_keeps_the_audience(sqlite_store: Store) -> None:
    slots = {
        "service_category": "other",
        "network": "in_network",
        "service_date": "2023-11-30",
        "audience": "provider",
    }
    texts, events = run_action(
        ActionPriorAuthAnswer(), sqlite_store, tracker_for("inform", slots=slots)
    )
    assert "No prior authorization is needed" in texts[0]
    cleared = {e["name"] for e in events if e.get("event") == "slot"}
    assert cleared == {"service_category", "network", "urgency", "service_date"}
