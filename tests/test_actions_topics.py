"""Every topic answered from the live store, and each answer following state changes."""

from __future__ import annotations

from datetime import datetime

import pytest
from helpers import run_action, tracker_for

from actions.fallback import ActionFallback
from actions.topics import (
    ActionCarelonPortalError,
    ActionClaimsBenefits,
    ActionDataImpact,
    ActionEmailFollowup,
    ActionOpenEnrollment,
    ActionPortalRegistration,
    ActionPremiumPayment,
    ActionTherapyPriorAuth,
)
from bot.clock import Clock
from bot.db import Store
from bot.services import channels, incidents, texts


def at(store: Store, moment: str) -> Store:
    """The same store read at another moment (the pinned clock moved)."""
    return Store(
        engine=store.engine,
        factory=store.factory,
        clock=Clock.fixed(datetime.fromisoformat(moment)),
    )


def test_data_impact_is_the_approved_statement_verbatim(sqlite_store: Store) -> None:
    texts_, _ = run_action(ActionDataImpact(), sqlite_store, tracker_for("ask_data_impact"))
    assert '"No health care data has been compromised with this outage."' in texts_[0]
    assert "Statement confirmed Nov 28, 2023 at 9:00 AM EST" in texts_[0]


def test_data_impact_follows_an_edited_statement(sqlite_store: Store) -> None:
    with sqlite_store.begin("comms") as s:
        incidents.update_incident(
            s,
            "nov-2023-phone-internet",
            {"data_impact_statement": "Under review; update at 5 p.m."},
            sqlite_store.clock.now(),
        )
    texts_, _ = run_action(ActionDataImpact(), sqlite_store, tracker_for("ask_data_impact"))
    assert '"Under review; update at 5 p.m."' in texts_[0]
    assert "compromised" not in texts_[0]


def test_data_impact_without_a_statement_does_not_improvise(sqlite_store: Store) -> None:
    with sqlite_store.begin("comms") as s:
        incidents.update_incident(
            s, "nov-2023-phone-internet", {"data_impact_statement": None}, sqlite_store.clock.now()
        )
    texts_, _ = run_action(ActionDataImpact(), sqlite_store, tracker_for("ask_data_impact"))
    assert "won't guess" in texts_[0]
    assert "compromised" not in texts_[0]


def test_claims_carry_the_current_through_caveat_while_it_applies(sqlite_store: Store) -> None:
    texts_, _ = run_action(ActionClaimsBenefits(), sqlite_store, tracker_for("ask_claims_benefits"))
    assert "Member Resource Center" in texts_[0]
    assert "current through November 26, 2023" in texts_[0]
    later = at(sqlite_store, "2024-03-01T10:00:00-05:00")
    with later.begin("ops") as s:
        incidents.resolve(
            s, "nov-2023-phone-internet", datetime.fromisoformat("2023-11-30T09:30:00-05:00")
        )
    texts_, _ = run_action(ActionClaimsBenefits(), later, tracker_for("ask_claims_benefits"))
    assert "current through" not in texts_[0]


def test_portal_registration_needs_the_member_id_card(sqlite_store: Store) -> None:
    texts_, _ = run_action(
        ActionPortalRegistration(), sqlite_store, tracker_for("ask_portal_registration")
    )
    assert "member ID card" in texts_[0] and "Member Resource Center" in texts_[0]


def test_open_enrollment_general_only_while_systems_are_down(sqlite_store: Store) -> None:
    texts_, _ = run_action(ActionOpenEnrollment(), sqlite_store, tracker_for("ask_open_enrollment"))
    assert "open now, through January 15, 2024" in texts_[0]
    assert "can't answer specific questions" in texts_[0]
    with sqlite_store.begin("ops") as s:
        incidents.resolve(s, "nov-2023-phone-internet", sqlite_store.clock.now())
        channels.set_status(s, "member_phone", "up")
    texts_, _ = run_action(ActionOpenEnrollment(), sqlite_store, tracker_for("ask_open_enrollment"))
    assert "can't answer specific questions" not in texts_[0]
    assert "enrollment status" in texts_[0] and "Member Services" in texts_[0]


def test_email_followup_says_no_need_to_resend(sqlite_store: Store) -> None:
    texts_, _ = run_action(ActionEmailFollowup(), sqlite_store, tracker_for("ask_email_followup"))
    assert "no need to send it again" in texts_[0]
    assert "Replies are delayed while the internet and phone service outage continues" in texts_[0]
    assert texts_[0].endswith("(Checked 10:00 AM.)")


def test_email_followup_asks_to_resend_when_mail_was_not_received(sqlite_store: Store) -> None:
    with sqlite_store.begin("ops") as s:
        incident = incidents.get_incident(s, "nov-2023-phone-internet")
        systems = [*incident.affected_systems, "email_intake"]
        incidents.update_incident(
            s, incident.key, {"affected_systems": systems}, sqlite_store.clock.now()
        )
    texts_, _ = run_action(ActionEmailFollowup(), sqlite_store, tracker_for("ask_email_followup"))
    text = texts_[0]
    assert "no need to send it again" not in text
    assert "may not have reached us, so please send yours again" in text
    assert "Member Resource Center" in text  # the working channel, not the dead phone line
    assert text.count("(Checked") == 1


def test_email_followup_after_resolution_gives_the_backlog(sqlite_store: Store) -> None:
    with sqlite_store.begin("ops") as s:
        incidents.resolve(s, "nov-2023-phone-internet", sqlite_store.clock.now())
    later = at(sqlite_store, "2023-11-30T09:30:00-05:00")
    texts_, _ = run_action(ActionEmailFollowup(), later, tracker_for("ask_email_followup"))
    assert "no need to send it again" in texts_[0]
    assert "Replies are delayed" not in texts_[0]
    assert "longer wait" in texts_[0]


def test_premium_payment_never_points_to_a_down_website(sqlite_store: Store) -> None:
    texts_, _ = run_action(ActionPremiumPayment(), sqlite_store, tracker_for("ask_premium_payment"))
    text = texts_[0]
    assert "Vermont Health Connect website is not available" in text
    assert "VermontHealthConnect.gov" not in text
    assert "mail a check" in text and "call center" in text


def test_premium_payment_offers_website_again_when_it_is_up(sqlite_store: Store) -> None:
    with sqlite_store.begin("ops") as s:
        channels.set_status(s, "exchange_website", "up")
    texts_, _ = run_action(ActionPremiumPayment(), sqlite_store, tracker_for("ask_premium_payment"))
    assert "go to VermontHealthConnect.gov" in texts_[0]


def test_carelon_error_gives_the_fix_steps(sqlite_store: Store) -> None:
    texts_, _ = run_action(
        ActionCarelonPortalError(), sqlite_store, tracker_for("ask_carelon_portal_error")
    )
    assert 'select "Manage Your User Profile."' in texts_[0]
    assert "orange required fields" in texts_[0]


def test_therapy_prior_auth_effective_date_and_30_day_limit(sqlite_store: Store) -> None:
    later = at(sqlite_store, "2024-11-10T10:00:00-05:00")
    tracker = tracker_for(
        "ask_therapy_prior_auth",
        "therapy visit on dec 20",
        entities=[{"entity": "DATE", "value": "dec 20"}],
    )
    texts_, _ = run_action(ActionTherapyPriorAuth(), later, tracker)
    assert "starts December 1, 2024" in texts_[0]
    assert "submit on or after November 20, 2024" in texts_[0]
    assert "30 days" in texts_[0]


def test_edited_answer_text_is_used_without_retraining(sqlite_store: Store) -> None:
    with sqlite_store.begin("comms") as s:
        texts.set_text(s, "email_followup", "We have your email. Replies start Monday.")
    texts_, _ = run_action(ActionEmailFollowup(), sqlite_store, tracker_for("ask_email_followup"))
    assert texts_[0].startswith("We have your email. Replies start Monday.")


def test_mid_confidence_asks_did_you_mean(sqlite_store: Store) -> None:
    tracker = tracker_for("nlu_fallback", "pharmcy?", confidence=0.4)
    tracker.latest_message["intent_ranking"] = [
        {"name": "nlu_fallback", "confidence": 0.45},
        {"name": "ask_pharmacy_help", "confidence": 0.38},
    ]
    action = ActionFallback()
    texts_, _ = run_action(action, sqlite_store, tracker)
    assert texts_ == [
        "I'm not sure I understood. Did you mean: help with prescriptions (pharmacy line)?"
    ]


def test_an_unclear_prescription_question_still_gets_the_pharmacy_line(
    sqlite_store: Store,
) -> None:
    """ "can I get my kid's amoxicillin refilled early" is unclear, but about a prescription."""
    tracker = tracker_for(
        "nlu_fallback",
        "amoxicillin early?",
        confidence=0.5,
        entities=[{"entity": "service_category", "value": "pharmacy"}],
    )
    tracker.latest_message["intent_ranking"] = [
        {"name": "nlu_fallback", "confidence": 0.6},
        {"name": "ask_pharmacy_help", "confidence": 0.5},
    ]
    texts_, _ = run_action(ActionFallback(), sqlite_store, tracker)
    assert texts_[0].startswith("I'm not sure I understood. Did you mean: help with")
    assert "(877) 493-1947" in texts_[0]
    with sqlite_store.begin("ops") as s:
        channels.set_status(s, "vermont_blue_rx", "down", "Vendor phone outage.")
    texts_, _ = run_action(ActionFallback(), sqlite_store, tracker)
    assert "493-1947" not in texts_[0]


def test_low_confidence_is_honest_and_gives_a_live_channel(sqlite_store: Store) -> None:
    tracker = tracker_for("nlu_fallback", "qwerty", confidence=0.1)
    tracker.latest_message["intent_ranking"] = [
        {"name": "nlu_fallback", "confidence": 0.45},
        {"name": "ask_claims_benefits", "confidence": 0.1},
    ]
    texts_, _ = run_action(ActionFallback(), sqlite_store, tracker)
    assert "rather not guess" in texts_[0] and "Member Resource Center" in texts_[0]


@pytest.mark.parametrize("moment", ["2023-11-28T10:00:00-05:00", "2023-12-20T10:00:00-05:00"])
def test_no_answer_anywhere_points_to_a_down_website(sqlite_store: Store, moment: str) -> None:
    """The exchange lesson: with the website down, no action may mention its address."""
    from tests_all_actions import every_store_action

    store = at(sqlite_store, moment)
    for action, tracker in every_store_action():
        texts_, _ = run_action(action, store, tracker)
        assert all("VermontHealthConnect.gov" not in t for t in texts_), action.name()


def test_a_terse_message_read_as_a_form_answer_gets_its_topic(sqlite_store: Store) -> None:
    from actions.topics import ActionInformOutsideForm

    pharmacy = {"entity": "service_category", "value": "pharmacy"}
    texts_, _ = run_action(
        ActionInformOutsideForm(), sqlite_store, tracker_for("inform", entities=[pharmacy])
    )
    assert "(877) 493-1947" in texts_[0]
    imaging = {"entity": "service_category", "value": "advanced_imaging"}
    texts_, _ = run_action(
        ActionInformOutsideForm(), sqlite_store, tracker_for("inform", entities=[imaging])
    )
    assert "Carelon" in texts_[0]
