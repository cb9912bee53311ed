"""Actions for the first slice, with real Trackers and dispatchers against a real store."""

from __future__ import annotations

from datetime import datetime

import pytest
from helpers import run_action, tracker_for

from actions.fallback import ActionFallback
from actions.status import ActionGreet
from actions.topics import (
    ActionContact,
    ActionOutageStatus,
    ActionOutOfScope,
    ActionPartDHelp,
    ActionPharmacyHelp,
)
from bot.clock import Clock
from bot.db import Store
from bot.services import channels, incidents


def test_pharmacy_line_comes_from_the_store(store: Store) -> None:
    texts, _ = run_action(ActionPharmacyHelp(), store, tracker_for("ask_pharmacy_help"))
    assert len(texts) == 1
    assert "Vermont Blue Rx" in texts[0] and "(877) 493-1947" in texts[0]
    assert texts[0].endswith("(Checked 10:00 AM.)")


def test_changed_number_shows_in_the_next_answer(store: Store) -> None:
    with store.begin("ops") as s:
        channels.get_channel(s, "vermont_blue_rx").contact = "(877) 555-0199"
    texts, _ = run_action(ActionPharmacyHelp(), store, tracker_for("ask_pharmacy_help"))
    assert "(877) 555-0199" in texts[0] and "493-1947" not in texts[0]


def test_pharmacy_line_down_is_never_offered(store: Store) -> None:
    with store.begin("ops") as s:
        channels.set_status(s, "vermont_blue_rx", "down", "Vendor line outage")
    texts, _ = run_action(ActionPharmacyHelp(), store, tracker_for("ask_pharmacy_help"))
    assert "493-1947" not in texts[0]
    assert "not available right now: Vendor line outage" in texts[0]
    assert "Member Resource Center" in texts[0]


def test_part_d_line_for_members(store: Store) -> None:
    texts, _ = run_action(ActionPartDHelp(), store, tracker_for("ask_part_d_help"))
    assert "(888) 620-1746" in texts[0] and "Medicare Part D" in texts[0]


def test_everything_down_says_so_and_what_to_do(store: Store) -> None:
    with store.begin("ops") as s:
        for c in channels.list_channels(s):
            channels.set_status(s, c.key, "down")
    texts, _ = run_action(ActionPartDHelp(), store, tracker_for("ask_part_d_help"))
    assert "620-1746" not in texts[0]
    assert "none of our phone lines or online services" in texts[0]
    assert "911" in texts[0]


def test_outage_status_during_the_outage(store: Store) -> None:
    texts, _ = run_action(ActionOutageStatus(), store, tracker_for("ask_outage_status"))
    text = texts[0]
    assert "Internet and phone service outage (since Nov 27, 8:00 AM)" in text
    down, working = text.split("Not working:")[1].split("Working:")
    assert "Member Services phone line" in down and "Vermont Blue Rx" not in down
    assert "Vermont Blue Rx pharmacy line" in working and "Member Services" not in working
    detail = {"entity": "detail", "value": "affected"}
    texts, _ = run_action(
        ActionOutageStatus(), store, tracker_for("ask_outage_status", entities=[detail])
    )
    text = texts[0]
    assert "Latest update (9:00 AM)" in text
    assert "current through November 26, 2023" in text
    assert "Lumen" in text
    assert "Lumen ticket" not in text  # internal note stays internal


def test_outage_status_after_resolution_mentions_backlog(store: Store) -> None:
    with store.begin("ops") as s:
        incidents.resolve(s, "nov-2023-phone-internet", store.clock.now())
    texts, _ = run_action(ActionOutageStatus(), store, tracker_for("ask_outage_status"))
    assert "was resolved" in texts[0]
    assert "high volume" in texts[0]


def test_outage_status_with_nothing_wrong(store: Store) -> None:
    later = Store(
        engine=store.engine,
        factory=store.factory,
        clock=Clock.fixed(datetime.fromisoformat("2023-10-01T09:00:00-04:00")),
    )
    texts, _ = run_action(ActionOutageStatus(), later, tracker_for("ask_outage_status"))
    # No incident yet, but the store says these lines are down: the state wins over prose.
    assert "no known service problems" not in texts[0]
    assert "Member Services phone line" in texts[0].split("Not working:")[1]
    with later.begin("ops") as s:
        for channel in channels.list_channels(s):
            channels.set_status(s, channel.key, "up")
    texts, _ = run_action(ActionOutageStatus(), later, tracker_for("ask_outage_status"))
    assert "no known service problems" in texts[0]


def test_greeting_mentions_active_incident(store: Store) -> None:
    texts, _ = run_action(ActionGreet(), store, tracker_for("greet", "hi"))
    assert texts[0].startswith("Hi!") and "Internet and phone service outage" in texts[0]


def test_contact_for_providers_skips_the_dead_phone(store: Store) -> None:
    tracker = tracker_for("ask_contact", slots={"audience": "provider"})
    texts, _ = run_action(ActionContact(), store, tracker)
    assert "Provider Service line is not available" in texts[0]
    assert "Provider Resource Center" in texts[0]
    assert "back of the member's ID card" not in texts[0]


@pytest.mark.parametrize("action", [ActionOutOfScope(), ActionFallback()])
def test_out_of_scope_and_fallback_offer_a_live_channel(store: Store, action) -> None:
    texts, _ = run_action(action, store, tracker_for("out_of_scope"))
    assert "Member Resource Center" in texts[0]
    assert "back of your member ID card" not in texts[0]


def test_store_unreachable_gives_a_polite_answer(tmp_path) -> None:
    broken = Store.create(
        "postgresql://nobody@127.0.0.1:1/none", Clock.fixed(datetime.now().astimezone())
    )
    texts, events = run_action(ActionPharmacyHelp(), broken, tracker_for("ask_pharmacy_help"))
    assert "can't reach our live systems" in texts[0] and "911" in texts[0]
    assert events == []
