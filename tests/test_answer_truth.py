"""Answers that stay true: computed from channel states, honest after resolution, short."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot import topics
from bot.clock import Clock
from bot.db import Store
from bot.services import channels, incidents, routing

INCIDENT = "nov-2023-phone-internet"


def at(store: Store, moment: str) -> Store:
    return Store(
        engine=store.engine,
        factory=store.factory,
        clock=Clock.fixed(datetime.fromisoformat(moment)),
    )


def ask(store: Store, key: str, audience: str = "member", **found: str) -> str:
    with store.read() as s:
        return topics.answer(s, store.clock, topics.BY_KEY[key], topics.Asked(audience, found)).text


def test_status_is_short_names_what_is_down_and_what_works(sqlite_store: Store) -> None:
    text = ask(sqlite_store, "outage_status")
    assert len(text) <= 400, text
    assert "Member Services phone line" in text.split("Not working:")[1].split("Working:")[0]
    assert "Vermont Blue Rx pharmacy line (877) 493-1947" in text
    assert text.count("Checked") == 1


def test_what_works_is_computed_from_channels_never_from_prose(sqlite_store: Store) -> None:
    with sqlite_store.begin("ops") as s:
        channels.set_status(s, "vermont_blue_rx", "down", "Vendor phone outage.")
    for found in ({}, {"detail": "affected"}):
        text = ask(sqlite_store, "outage_status", **found)
        assert "493-1947" not in text, text
        assert "Vermont Blue Rx pharmacy line" in text.split("Working:")[0]


@pytest.mark.parametrize("audience", ["member", "provider"])
def test_every_answer_has_one_freshness_line_and_a_bounded_length(
    sqlite_store: Store, audience: str
) -> None:
    for topic in topics.TOPICS:
        text = ask(sqlite_store, topic.key, audience)
        assert text.count("(Checked") <= 1, (topic.key, text)
        assert "Line status last updated" not in text
        assert len(text) <= 900, (topic.key, len(text), text)


def test_claims_say_where_to_look_and_the_caveat_once(sqlite_store: Store) -> None:
    text = ask(sqlite_store, "claims")
    assert "secure email" not in text
    assert "logging in to the Member Resource Center" in text
    assert text.count("November 26") == 1, text


def test_resolution_with_lines_still_down_says_which(sqlite_store: Store) -> None:
    with sqlite_store.begin("ops") as s:
        incidents.resolve(s, INCIDENT, sqlite_store.clock.now(), "Internet is back.")
    later = at(sqlite_store, "2023-11-28T12:00:00-05:00")
    text = ask(later, "outage_status")
    assert "fully operational" not in text and "all our lines are working" not in text
    assert "Member Services phone line" in text.split("Still not working:")[1]
    assert "longer wait" in text
    contact = ask(later, "contact")
    assert "longer wait" in contact


def test_backlog_notice_stays_until_staff_clear_it(sqlite_store: Store) -> None:
    with sqlite_store.begin("ops") as s:
        incidents.resolve(s, INCIDENT, sqlite_store.clock.now())
        for channel in channels.list_channels(s):
            channels.set_status(s, channel.key, "up")
    weeks_later = at(sqlite_store, "2023-12-28T12:00:00-05:00")
    text = ask(weeks_later, "outage_status")
    assert "fully operational" in text and "longer wait" in text
    with weeks_later.begin("ops") as s:
        incidents.update_incident(s, INCIDENT, {"backlog_note": None}, weeks_later.clock.now())
    assert "longer wait" not in ask(weeks_later, "outage_status")


def test_data_impact_statement_survives_resolution(sqlite_store: Store) -> None:
    with sqlite_store.begin("ops") as s:
        incidents.resolve(s, INCIDENT, sqlite_store.clock.now())
    for moment in ("2023-11-29T09:00:00-05:00", "2024-03-01T09:00:00-05:00"):
        text = ask(at(sqlite_store, moment), "data_impact")
        assert "No health care data has been compromised" in text
        assert "confirmed Nov 28, 2023" in text


def test_a_provider_asking_a_members_topic_is_told_so(sqlite_store: Store) -> None:
    text = ask(sqlite_store, "premium_payment", "provider")
    assert text.startswith("For members:")
    assert "VermontHealthConnect.gov" not in text.split("not available")[0]


def _contact_marks(contact: str) -> list[str]:
    """What would give a down channel away: its phone digits or its web address."""
    digits = "".join(ch for ch in contact if ch.isdigit())
    marks = [digits[-7:]] if len(digits) >= 7 else []
    marks += [w.lower() for w in contact.split() if "." in w.strip(".") and "/" not in w]
    return marks


def test_no_answer_names_the_number_of_a_channel_that_is_down(sqlite_store: Store) -> None:
    """Each channel down in turn: no topic, audience or detail view gives its number."""
    with sqlite_store.read() as s:
        keys = [(c.key, _contact_marks(c.contact)) for c in channels.list_channels(s)]
    for key, marks in keys:
        if not marks:
            continue
        with sqlite_store.begin("ops") as s:
            channels.set_status(s, key, "down", "Test outage.")
        for topic in topics.TOPICS:
            for audience in topics.AUDIENCES:
                for found in ({}, {"detail": "affected"}, {"service_category": "pharmacy"}):
                    text = ask(sqlite_store, topic.key, audience, **found)
                    digits = "".join(ch for ch in text if ch.isdigit() or ch == " ")
                    for mark in marks:
                        assert mark not in text.lower() and mark not in digits.replace(" ", ""), (
                            key,
                            topic.key,
                            audience,
                            text,
                        )
        with sqlite_store.begin("ops") as s:
            channels.set_status(s, key, "up")


def test_an_update_posted_later_is_not_known_yet(sqlite_store: Store) -> None:
    """Facts carry the time they became known: an answer at T uses only what was known at T."""
    later = datetime.fromisoformat("2023-11-28T15:00:00-05:00")
    with sqlite_store.begin("ops") as s:
        incidents.post_update(s, INCIDENT, "Phones are back for providers.", later)
    text = ask(sqlite_store, "outage_status", detail="affected")
    assert "Phones are back for providers" not in text
    assert "Phones are back for providers" in ask(
        at(sqlite_store, later.isoformat()), "outage_status", detail="affected"
    )


def test_therapy_question_with_its_details_is_decided_not_asked_again(sqlite_store: Store) -> None:
    """Seen with make run: "we're a PT clinic, … physical therapy on 12/5 in network?"."""
    found = {"network": "in_network", "DATE": "Nov 30", "service_category": "outpatient_therapy"}
    text = ask(sqlite_store, "therapy_prior_auth", "provider", **found)
    assert "No prior authorization is needed" in text and "November 30, 2023" in text
    found["DATE"] = "12/5"
    text = ask(sqlite_store, "therapy_prior_auth", "provider", **found)
    assert "whether the provider is in our network" not in text
    assert "December 5, 2023" in text


@pytest.mark.parametrize(
    "key", ["outage_status", "claims", "contact", "email_followup", "nlu_fallback"]
)
def test_a_prescription_question_gets_the_working_pharmacy_line_whatever_its_topic(
    sqlite_store: Store, key: str
) -> None:
    """ "CVS couldn't run my card, is your system down?" needs the pharmacy line too."""
    text = ask(sqlite_store, key, service_category="pharmacy")
    assert "(877) 493-1947" in text, text
    assert text.endswith(")") and text.count("(Checked") == 1
    with sqlite_store.begin("ops") as s:
        channels.set_status(s, "vermont_blue_rx", "down", "Vendor phone outage.")
    text = ask(sqlite_store, key, service_category="pharmacy")
    assert "493-1947" not in text, text


def test_the_pharmacy_line_is_not_added_where_it_does_not_belong(sqlite_store: Store) -> None:
    assert "493-1947" not in ask(sqlite_store, "claims")
    assert "493-1947" not in ask(sqlite_store, "out_of_scope")
    # A prescription question taken for another business's still gets our working line.
    assert "493-1947" in ask(sqlite_store, "out_of_scope", service_category="pharmacy")


@pytest.mark.parametrize("key", ["pharmacy", "prior_auth", "claims", "out_of_scope"])
def test_a_medicare_drug_plan_question_gets_the_part_d_line_whatever_its_topic(
    sqlite_store: Store, key: str
) -> None:
    with sqlite_store.read() as s:
        part_d = routing.offer(s, "part_d", "member").usable[0].contact
    assert part_d not in ask(sqlite_store, key)
    assert part_d in ask(sqlite_store, key, drug_plan="part_d")
    assert part_d in ask(sqlite_store, key, drug_plan="medicare", service_category="pharmacy")
    assert part_d not in ask(sqlite_store, key, drug_plan="medicare")  # Medicare, not drugs


def test_another_organisations_question_is_named_as_theirs(sqlite_store: Store) -> None:
    text = ask(sqlite_store, "out_of_scope", organisation="AT&T")
    assert text.startswith("That sounds like a question for AT&T"), text
    assert "health plan" in text
