"""The prior-authorization decision table: exhaustive enumeration and properties.

An independent restatement of the seed policy (``expected_outcome``) is the oracle: every
combination of category, network, urgency, audience and interesting service date, at
several moments, must match exactly one row of the table and the oracle's outcome.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from itertools import product

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from bot.answers import prior_auth_table as table
from bot.answers.core import Answer
from bot.answers.prior_auth import WORDING, answer, missing, therapy_overview
from bot.answers.prior_auth_table import (
    AUDIENCES,
    CATEGORIES,
    NETWORKS,
    OUTCOMES,
    QUESTIONS,
    TABLE,
    URGENCIES,
    DateFacts,
    Dates,
    PriorAuthCase,
    facts_of,
    known_on,
    matching_rows,
    plan,
)
from bot.answers.providers import therapy_prior_auth
from bot.clock import Clock
from bot.db import Store
from bot.formatting import day
from bot.models import DateRule
from bot.services import channels, rules

ANSWERING_SERVICE = "802-371-0130"
THERAPY = "outpatient_therapy"

# The seed policy, restated by hand (shared/seeds), as the oracle.
WAIVER = (date(2023, 11, 22), date(2023, 12, 3))
URGENT_WINDOW = (date(2023, 11, 27), date(2023, 12, 3))
THERAPY_START = date(2024, 12, 1)
THERAPY_ANNOUNCED = date(2024, 8, 29)
DELAY_IDENTIFIED = date(2024, 10, 21)
ADVANCE_DAYS = 30

MOMENTS = ["2023-11-28T10:00:00-05:00", "2024-11-15T10:00:00-05:00", "2024-12-05T10:00:00-05:00"]


def clock_at(moment: str | date) -> Clock:
    if isinstance(moment, date):
        return Clock.fixed(datetime(moment.year, moment.month, moment.day, 10))
    return Clock.fixed(datetime.fromisoformat(moment))


def at(store: Store, clock: Clock) -> Store:
    """The same store read at another moment."""
    return Store(engine=store.engine, factory=store.factory, clock=clock)


def interesting_dates(today: date) -> list[date]:
    """Around each window's edges, inside the urgent window, and 29/30/31 days ahead."""
    return [
        date(2023, 11, 21),  # day before the waiver
        date(2023, 11, 22),  # first day of the waiver
        date(2023, 11, 29),  # inside the urgent window ("tomorrow" on the demo day)
        date(2023, 12, 3),  # last day of the waiver and of the urgent window
        date(2023, 12, 4),  # day after
        date(2024, 11, 30),  # day before the therapy program
        THERAPY_START,
        date(2024, 12, 20),  # after the therapy start
        today + timedelta(days=29),
        today + timedelta(days=30),
        today + timedelta(days=31),
    ]


def expected_outcome(
    category: str, network: str, urgency: str, on: date, audience: str, today: date
) -> str:
    if category == "pharmacy":
        return "pharmacy_vendor"
    if category == "advanced_imaging":
        return "imaging_vendor"
    if category == "outpatient_therapy" and today >= THERAPY_ANNOUNCED and on >= THERAPY_START:
        too_early = (on - today).days > ADVANCE_DAYS
        return "therapy_carelon_too_early" if too_early else "therapy_carelon_now"
    if network == "in_network":
        return "waived" if WAIVER[0] <= on <= WAIVER[1] else "regular"
    if urgency == "not_urgent":
        return f"non_urgent_oon_{audience}"
    if URGENT_WINDOW[0] <= on <= URGENT_WINDOW[1]:
        return f"urgent_oon_{audience}"
    return f"urgent_oon_outside_window_{audience}"


def case_of(category: str, network: str, urgency: str, on: date, audience: str) -> PriorAuthCase:
    return PriorAuthCase(category, network, urgency == "urgent", on, audience)


def complete_cases(today: date) -> Iterator[tuple[str, str, str, date, str]]:
    yield from product(CATEGORIES, NETWORKS, URGENCIES, interesting_dates(today), AUDIENCES)


def is_ask(text: str) -> bool:
    return text.startswith("To tell you what applies")


# --- The table itself -----------------------------------------------------------------------


def test_every_complete_combination_matches_exactly_one_row() -> None:
    therapy_values = (table.NOT_IN_PROGRAM, table.SUBMIT_NOW, table.TOO_EARLY)
    windows = (table.INSIDE, table.OUTSIDE)
    used = set()
    count = 0
    for category, waiver, urgent_window, program, network, urgency, audience in product(
        CATEGORIES, windows, windows, therapy_values, NETWORKS, URGENCIES, AUDIENCES
    ):
        dates = DateFacts(waiver, urgent_window, program)
        rows = matching_rows(facts_of(category, dates, network, urgency, audience))
        assert len(rows) == 1, (category, dates, network, urgency, audience, rows)
        used.add(rows[0])
        count += 1
    assert count == 4 * 2 * 2 * 3 * 2 * 2 * 2
    assert used == set(TABLE), "every row is reachable"


def test_every_outcome_is_worded_and_named_once() -> None:
    assert set(WORDING) == {o.key for o in OUTCOMES}
    assert len({o.key for o in OUTCOMES}) == len(TABLE)


def rule(**params: object) -> DateRule:
    return DateRule(key="r", title="r", params=params, text="")


@pytest.mark.parametrize(
    ("params", "today", "known"),
    [
        ({}, date(2020, 1, 1), True),
        ({"announced_on": "2024-08-29"}, date(2024, 8, 28), False),
        ({"announced_on": "2024-08-29"}, date(2024, 8, 29), True),
        ({"announced_on": date(2024, 8, 29)}, date(2024, 8, 30), True),
        ({"announced_on": "not a date"}, date(2024, 1, 1), True),
        ({"announced_on": 20240829}, date(2024, 1, 1), True),
    ],
)
def test_known_on(params: dict[str, object], today: date, known: bool) -> None:
    assert known_on(rule(**params), today) is known


def test_known_on_tolerates_odd_params_and_no_rule() -> None:
    odd = DateRule(key="r", title="r", params=["not", "a", "mapping"], text="")
    assert known_on(odd, date(2024, 1, 1))
    assert not known_on(None, date(2024, 1, 1))


# --- Exhaustive enumeration against the store ------------------------------------------------


@pytest.mark.parametrize("moment", MOMENTS)
def test_every_case_gets_exactly_the_policy_outcome(sqlite_store: Store, moment: str) -> None:
    clock = clock_at(moment)
    today = clock.today()
    with sqlite_store.read() as s:
        dates = Dates.load(s, today)
        for category, network, urgency, on, audience in complete_cases(today):
            case = case_of(category, network, urgency, on, audience)
            facts = facts_of(category, dates.date_facts(on), network, urgency, audience)
            assert len(matching_rows(facts)) == 1
            decision = plan(case, dates)
            want = expected_outcome(category, network, urgency, on, audience, today)
            assert decision.outcome is not None and decision.outcome.key == want, (case, today)
            assert missing(case, s, today) == []
            result = answer(s, clock, case)
            assert result.topic == decision.outcome.topic
            check_wording(want, result, case, today)


def check_wording(key: str, result: Answer, case: PriorAuthCase, today: date) -> None:
    text = result.text
    on = case.service_date
    assert on is not None and text and not is_ask(text)
    if key in ("pharmacy_vendor", "imaging_vendor"):
        assert "No prior authorization is needed" not in text
        if case.audience == "provider":
            portal = "Vermont Blue Rx portal" if key == "pharmacy_vendor" else "Carelon provider"
            assert text.startswith("To request prior authorization for") and portal in text
        if WAIVER[0] <= today <= WAIVER[1]:
            assert "waiver does not cover" in text
    elif key.startswith("therapy_carelon"):
        assert "Carelon" in text
        if key.endswith("too_early"):
            assert f"submit on or after {day(on - timedelta(days=ADVANCE_DAYS))}" in text
            assert f"{ADVANCE_DAYS} days" in text
        else:
            assert "submit now" in text
        if today < THERAPY_START:
            assert "will move to Carelon" in text and "moved" not in text
        else:
            assert "moved to Carelon" in text
    elif key == "waived":
        assert text.startswith("No prior authorization is needed") and day(on) in text
        assert "Carelon" not in text or today >= THERAPY_ANNOUNCED
    elif key == "regular":
        assert text.startswith("The regular process applies")
        assert "No prior authorization is needed" not in text
    elif key == "urgent_oon_provider":
        assert text.startswith("For an urgent out-of-network prior authorization, call")
        assert ANSWERING_SERVICE in text
    elif key == "urgent_oon_member":
        assert text.startswith("Your provider's office can call our answering service")
        assert ANSWERING_SERVICE not in text
    else:  # out of network, regular process
        assert "regular process" in text and ANSWERING_SERVICE not in text
        if key.endswith("provider"):
            assert "utilization management email" in text
    if case.category == "outpatient_therapy" and today < THERAPY_ANNOUNCED:
        assert "Carelon" not in text, "the therapy program is not known yet"
    if today < DELAY_IDENTIFIED:
        assert "October 21" not in text and "delayed" not in text


@pytest.mark.parametrize(
    ("on", "outcome"),
    [
        (date(2023, 11, 21), "regular"),
        (date(2023, 11, 22), "waived"),
        (date(2023, 12, 3), "waived"),
        (date(2023, 12, 4), "regular"),
    ],
)
@pytest.mark.parametrize("category", ["other", "outpatient_therapy"])
def test_waiver_first_and_last_days(store: Store, on: date, outcome: str, category: str) -> None:
    case = PriorAuthCase(category, "in_network", service_date=on, audience="provider")
    with store.read() as s:
        decision = plan(case, Dates.load(s, store.clock.today()))
        text = answer(s, store.clock, case).text
    assert decision.outcome is not None and decision.outcome.key == outcome
    assert ("No prior authorization is needed" in text) is (outcome == "waived")
    assert day(on) in text


@pytest.mark.parametrize(
    ("moment", "on", "outcome"),
    [
        # Before the announcement (Aug 29, 2024) the program is unknown: ordinary service.
        ("2023-11-28T10:00:00-05:00", date(2024, 11, 30), "regular"),
        ("2023-11-28T10:00:00-05:00", date(2024, 12, 1), "regular"),
        ("2023-11-28T10:00:00-05:00", date(2024, 12, 20), "regular"),
        ("2024-08-28T10:00:00-04:00", date(2024, 12, 1), "regular"),
        # Known, not started yet: Carelon from Dec 1, within 30 days of the service.
        ("2024-11-15T10:00:00-05:00", date(2024, 11, 30), "regular"),
        ("2024-11-15T10:00:00-05:00", date(2024, 12, 1), "therapy_carelon_now"),
        ("2024-11-15T10:00:00-05:00", date(2024, 12, 15), "therapy_carelon_now"),
        ("2024-11-15T10:00:00-05:00", date(2024, 12, 16), "therapy_carelon_too_early"),
        # Started.
        ("2024-12-05T10:00:00-05:00", date(2024, 11, 30), "regular"),
        ("2024-12-05T10:00:00-05:00", date(2024, 12, 1), "therapy_carelon_now"),
        ("2024-12-05T10:00:00-05:00", date(2025, 1, 4), "therapy_carelon_now"),
        ("2024-12-05T10:00:00-05:00", date(2025, 1, 5), "therapy_carelon_too_early"),
    ],
)
def test_carelon_therapy_before_and_after_the_start(
    sqlite_store: Store, moment: str, on: date, outcome: str
) -> None:
    clock = clock_at(moment)
    case = PriorAuthCase("outpatient_therapy", "in_network", False, on, "provider")
    with sqlite_store.read() as s:
        decision = plan(case, Dates.load(s, clock.today()))
        text = answer(s, clock, case).text
    assert decision.outcome is not None and decision.outcome.key == outcome
    if outcome == "regular":
        assert text.startswith("The regular process applies") and "use the Carelon" not in text
    else:
        assert "use the Carelon provider portal" in text
    if clock.today() < THERAPY_ANNOUNCED:
        assert "Carelon" not in text


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize(("ahead", "too_early"), [(29, False), (30, False), (31, True)])
def test_thirty_day_advance_limit(
    sqlite_store: Store, moment: str, ahead: int, too_early: bool
) -> None:
    clock = clock_at(moment)
    on = clock.today() + timedelta(days=ahead)
    case = PriorAuthCase("outpatient_therapy", service_date=on, audience="provider")
    with sqlite_store.read() as s:
        decision = plan(case, Dates.load(s, clock.today()))
        text = answer(s, clock, case).text
    if clock.today() < THERAPY_ANNOUNCED or on < THERAPY_START:
        # Unknown program (or a date before it): an ordinary service, the network is asked.
        assert decision.outcome is None and decision.missing == ("network",)
        assert "Carelon" not in text
        return
    want = "therapy_carelon_too_early" if too_early else "therapy_carelon_now"
    assert decision.outcome is not None and decision.outcome.key == want
    if too_early:
        assert f"submit on or after {day(on - timedelta(days=30))}" in text
    else:
        assert "submit now" in text


def test_therapy_on_an_unknown_program_asks_the_network() -> None:
    """At the demo moment, a December 2024 therapy date is just a date: the network decides."""
    dates = Dates(today=date(2023, 11, 28))
    decision = plan(PriorAuthCase("outpatient_therapy", service_date=date(2024, 12, 20)), dates)
    assert decision.outcome is None and decision.missing == ("network",)


@pytest.mark.parametrize("category", ["pharmacy", "advanced_imaging"])
@pytest.mark.parametrize("moment", MOMENTS)
def test_imaging_and_pharmacy_always_go_through_their_vendors(
    sqlite_store: Store, category: str, moment: str
) -> None:
    clock = clock_at(moment)
    topic = "prior_auth_pharmacy" if category == "pharmacy" else "prior_auth_imaging"
    with sqlite_store.read() as s:
        for network, urgency, on, audience in product(
            [*NETWORKS, None],
            [*URGENCIES, None],
            [*interesting_dates(clock.today()), None],
            [*AUDIENCES, None, "office"],
        ):
            urgent = None if urgency is None else urgency == "urgent"
            case = PriorAuthCase(category, network, urgent, on, audience)
            assert missing(case, s, clock.today()) == []
            result = answer(s, clock, case)
            assert result.topic == topic
            assert "No prior authorization is needed" not in result.text


# --- Channels that are down -----------------------------------------------------------------

PRIOR_AUTH_CHANNELS = [
    "urgent_pa_answering_service",
    "vermont_blue_rx",
    "vermont_blue_rx_portal",
    "carelon_portal",
    "prior_auth_portal",
    "utilization_management_email",
    "provider_resource_center",
    "member_resource_center",
]


def all_answers(s: Session, clock: Clock) -> Iterator[tuple[PriorAuthCase, Answer]]:
    for category, network, urgency, on, audience in complete_cases(clock.today()):
        case = case_of(category, network, urgency, on, audience)
        yield case, answer(s, clock, case)
    for audience in AUDIENCES:
        yield PriorAuthCase("outpatient_therapy"), therapy_overview(s, clock, audience)


@pytest.mark.parametrize("key", PRIOR_AUTH_CHANNELS)
def test_no_answer_offers_a_channel_that_is_down(sqlite_store: Store, key: str) -> None:
    with sqlite_store.begin("test") as s:
        contact = channels.get_channel(s, key).contact
        channels.set_status(s, key, "down")
    for moment in MOMENTS[:2]:
        clock = clock_at(moment)
        with sqlite_store.read() as s:
            for case, result in all_answers(s, clock):
                assert key not in result.offered, case
                if any(ch.isdigit() for ch in contact):
                    assert contact not in result.text, case


def test_answering_service_down_its_number_is_never_given(store: Store) -> None:
    with store.begin("test") as s:
        channels.set_status(s, "urgent_pa_answering_service", "down", "Not answering.")
    case = PriorAuthCase("other", "out_of_network", True, date(2023, 11, 29), "provider")
    with store.read() as s:
        provider = answer(s, store.clock, case).text
        member = answer(s, store.clock, replace(case, audience="member"))
    assert ANSWERING_SERVICE not in provider and ANSWERING_SERVICE not in member.text
    assert "answering service is not available right now" in provider
    assert "Provider Resource Center" in provider
    assert "Your provider's office can request" in member.text


def test_vendor_reassurance_is_not_given_while_the_vendor_portal_is_down(store: Store) -> None:
    with store.begin("test") as s:
        channels.set_status(s, "carelon_portal", "down")
    with store.read() as s:
        text = answer(s, store.clock, PriorAuthCase("advanced_imaging", audience="provider")).text
    assert "without any disruption" not in text
    assert "Carelon provider portal is not available right now" in text


# --- Facts from the future ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "carelon", "tense"),
    [
        ("2023-11-28T10:00:00-05:00", False, None),
        ("2024-09-15T10:00:00-04:00", True, "will move to Carelon"),
        ("2024-11-15T10:00:00-05:00", True, "will move to Carelon"),
        ("2024-12-05T10:00:00-05:00", True, "delayed one month"),
    ],
)
def test_therapy_question_uses_only_facts_known_at_the_time(
    sqlite_store: Store, moment: str, carelon: bool, tense: str | None
) -> None:
    clock = clock_at(moment)
    with sqlite_store.read() as s:
        overview = therapy_prior_auth(s, clock, "provider").text
        dated = therapy_prior_auth(s, clock, "provider", date(2024, 12, 20)).text
    assert ("Carelon" in overview) is carelon
    assert ("Carelon" in dated) is carelon
    if tense:
        assert tense in overview
    if clock.today() < DELAY_IDENTIFIED:
        for text in (overview, dated):
            assert "October 21" not in text and "delayed" not in text
    if not carelon:
        assert is_ask(dated) and "in our network" in dated


def test_a_rule_announced_later_is_ignored_entirely(store: Store) -> None:
    """The mechanism is generic: any rule with a later announced_on is unknown today."""
    with store.begin("ops") as s:
        waiver = rules.get_rule(s, "prior_auth_waiver")
        params = {**waiver.params, "announced_on": "2023-12-01"}
        rules.upsert_rule(s, {"key": "prior_auth_waiver", "params": params})
    case = PriorAuthCase("other", "in_network", service_date=date(2023, 11, 30), audience="member")
    with store.read() as s:
        before = answer(s, store.clock, case).text
        after = answer(s, clock_at("2023-12-01T10:00:00-05:00"), case).text
    assert "regular process" in before and "waiver" not in before
    assert before.count("No prior authorization") == 0
    assert after.startswith("No prior authorization is needed")


def test_missing_reads_today_from_the_session(sqlite_store: Store) -> None:
    case = PriorAuthCase("outpatient_therapy", service_date=date(2024, 12, 20))
    with sqlite_store.read() as s:
        assert missing(case, s) == ["network"]
    later = at(sqlite_store, clock_at("2024-11-15T10:00:00-05:00"))
    with later.read() as s:
        assert missing(case, s) == []


def test_edited_therapy_start_moves_the_carelon_boundary(sqlite_store: Store) -> None:
    with sqlite_store.begin("ops") as s:
        rules.upsert_rule(s, {"key": "therapy_carelon", "starts_on": "2024-12-15"})
    clock = clock_at("2024-12-05T10:00:00-05:00")
    with sqlite_store.read() as s:
        dates = Dates.load(s, clock.today())
        early = plan(PriorAuthCase(THERAPY, "in_network", None, date(2024, 12, 14)), dates)
        late = plan(PriorAuthCase(THERAPY, None, None, date(2024, 12, 15)), dates)
    assert early.outcome is not None and early.outcome.key == "regular"
    assert late.outcome is not None and late.outcome.key == "therapy_carelon_now"


# --- Regressions ----------------------------------------------------------------------------


def test_regression_in_network_knee_arthroscopy_nov_30_is_waived(store: Store) -> None:
    case = PriorAuthCase("other", "in_network", None, date(2023, 11, 30), "member")
    with store.read() as s:
        assert missing(case, s) == []
        text = answer(s, store.clock, case).text
    assert text.startswith("No prior authorization is needed for in-network services on Nov")
    assert "November 30, 2023" in text


def test_regression_in_network_therapy_nov_30_2023_is_waived_not_carelon(store: Store) -> None:
    case = PriorAuthCase(THERAPY, "in_network", None, date(2023, 11, 30), "provider")
    with store.read() as s:
        text = answer(s, store.clock, case).text
    assert text.startswith("No prior authorization is needed for in-network outpatient therapy")
    assert "Carelon" not in text and "current process" not in text


def test_regression_provider_urgent_out_of_network_tomorrow(store: Store) -> None:
    tomorrow = store.clock.today() + timedelta(days=1)
    assert tomorrow == date(2023, 11, 29)
    case = PriorAuthCase("other", "out_of_network", True, tomorrow, "provider")
    with store.read() as s:
        assert missing(case, s) == []
        result = answer(s, store.clock, case)
    assert ANSWERING_SERVICE in result.text
    assert result.topic == "prior_auth_urgent_oon"
    assert "Non-urgent" not in result.text and "regular process" not in result.text


@pytest.mark.parametrize(
    "case",
    [
        PriorAuthCase("other", "out_of_network", True, date(2023, 11, 29), "office"),
        PriorAuthCase("other", "in_network", None, date(2023, 11, 30), "office"),
        PriorAuthCase("pharmacy", audience="office"),
        PriorAuthCase("outpatient_therapy", audience="office"),
        PriorAuthCase("dental", "in network", "yes", "tomorrow", "office"),  # type: ignore[arg-type]
    ],
)
def test_regression_audience_office_never_raises(store: Store, case: PriorAuthCase) -> None:
    with store.read() as s:
        still = missing(case, s)
        result = answer(s, store.clock, case)
        therapy = therapy_prior_auth(s, store.clock, "office", date(2023, 11, 30))
    assert result.text and therapy.text
    assert result.audience in AUDIENCES
    if case.network == "out_of_network":
        assert still == ["audience"] and "member or a provider" in result.text


# --- Properties -----------------------------------------------------------------------------

odd_text = st.text(max_size=12)
service_dates = st.one_of(st.none(), st.dates(date(2023, 1, 1), date(2025, 12, 31)))
todays = st.dates(date(2023, 11, 1), date(2025, 3, 31))
cases = st.builds(
    PriorAuthCase,
    category=st.one_of(st.sampled_from(CATEGORIES), odd_text),
    network=st.one_of(st.none(), st.sampled_from(NETWORKS), odd_text),
    urgent=st.one_of(st.none(), st.booleans()),
    service_date=service_dates,
    audience=st.one_of(st.none(), st.sampled_from([*AUDIENCES, "office"]), odd_text),
)
FIXTURE_OK = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FIXTURE_OK
@given(case=cases, today=todays)
def test_any_case_gets_an_answer_or_a_question_never_an_error(
    sqlite_store: Store, case: PriorAuthCase, today: date
) -> None:
    clock = clock_at(today)
    with sqlite_store.read() as s:
        still = missing(case, s, today)
        result = answer(s, clock, case)
    assert still == [q for q in QUESTIONS if q in still], "in the form's order"
    assert result.text and result.audience in AUDIENCES
    assert is_ask(result.text) is bool(still)


def unknown_questions(case: PriorAuthCase) -> set[str]:
    known = table.normalize(case)
    return {q for q, value in zip(QUESTIONS, known, strict=True) if value is None}


ANSWERS = {
    "service_category": st.sampled_from(CATEGORIES),
    "service_date": st.dates(date(2023, 11, 15), date(2025, 3, 31)),
    "network": st.sampled_from(NETWORKS),
    "urgency": st.booleans(),
    "audience": st.sampled_from(AUDIENCES),
}
FIELD = {
    "service_category": "category",
    "service_date": "service_date",
    "network": "network",
    "urgency": "urgent",
    "audience": "audience",
}


@FIXTURE_OK
@given(case=cases, today=todays, data=st.data())
def test_answering_the_questions_one_by_one_always_ends_in_one_outcome(
    sqlite_store: Store, case: PriorAuthCase, today: date, data: st.DataObject
) -> None:
    with sqlite_store.read() as s:
        dates = Dates.load(s, today)
    for _ in range(len(QUESTIONS) + 1):
        decision = plan(case, dates)
        assert set(decision.missing) <= unknown_questions(case)
        if decision.outcome is not None:
            assert decision.missing == ()
            break
        assert decision.missing, "an undecided case always has a question to ask"
        first = decision.missing[0]
        assert changes_the_outcome(case, first, dates)
        value = data.draw(ANSWERS[first], label=first)
        case = replace(case, **{FIELD[first]: value})
    else:
        pytest.fail("the questions did not converge")
    assert decision.outcome in OUTCOMES


def changes_the_outcome(case: PriorAuthCase, question: str, dates: Dates) -> bool:
    """Brute force: two completions differing only in ``question`` have different outcomes."""
    domains = list(table.domains_of(table.normalize(case), dates))
    i = QUESTIONS.index(question)
    others = [d if j != i else (None,) for j, d in enumerate(domains)]
    for combo in product(*others):
        seen = set()
        for value in domains[i]:
            full = list(combo)
            full[i] = value
            seen.add(table.decide(facts_of(*full)))
        if len(seen) > 1:
            return True
    return False


@FIXTURE_OK
@given(case=cases, today=todays)
def test_policy_invariants_hold_for_any_case(
    sqlite_store: Store, case: PriorAuthCase, today: date
) -> None:
    with sqlite_store.read() as s:
        dates = Dates.load(s, today)
    outcome = plan(case, dates).outcome
    known = table.normalize(case)
    if known.category in ("pharmacy", "advanced_imaging"):
        assert outcome is not None and outcome.key.endswith("_vendor")
    if outcome is None:
        return
    on = known.service_date
    if outcome.key == "waived":
        assert known.network == "in_network" and on and WAIVER[0] <= on <= WAIVER[1]
        assert known.category in ("other", "outpatient_therapy")
    if outcome.key.startswith("urgent_oon_") and "outside" not in outcome.key:
        assert known.urgency == "urgent" and known.network == "out_of_network"
        assert on and URGENT_WINDOW[0] <= on <= URGENT_WINDOW[1]
    if outcome.key.startswith("therapy_carelon"):
        assert known.category == "outpatient_therapy" and today >= THERAPY_ANNOUNCED
        assert on and on >= THERAPY_START


@FIXTURE_OK
@given(case=cases, today=todays)
def test_numbers_of_down_channels_never_appear(
    sqlite_store: Store, case: PriorAuthCase, today: date
) -> None:
    with sqlite_store.begin("test") as s:
        for key in ("urgent_pa_answering_service", "vermont_blue_rx"):
            channels.set_status(s, key, "down")
    with sqlite_store.read() as s:
        text = answer(s, clock_at(today), case).text
    assert ANSWERING_SERVICE not in text and "(877) 493-1947" not in text
