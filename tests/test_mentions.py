"""Text that names a channel follows the channel: finding mentions, presenting stored prose,
refusing "working" claims about down channels, and every view with each channel down in turn."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import select

from bot import lookup, migrate, scenario
from bot.clock import Clock
from bot.db import Store
from bot.errors import Invalid
from bot.models import AnswerText, Channel, DateRule, Incident
from bot.services import channels, incidents, mentions, texts
from bot.web.public import status_document

OUTAGE = "nov-2023-phone-internet"
#: The timeline entry of the bug report, as stored.
BUG_UPDATE = (
    "Phones and internet are still down. Vermont Blue Rx (877) 493-1947 and the Medicare "
    "Part D line (888) 620-1746 are working. No health care data has been compromised."
)
MARK = "(now unavailable)"

DEMO = scenario.read(scenario.DEMO_SCENARIO)
DEMO_CHANNELS: list[dict[str, Any]] = DEMO["channels"]
CHANNEL_KEYS = [c["key"] for c in DEMO_CHANNELS]


def demo_channels(**status: str) -> list[Channel]:
    """The demo scenario's channels as (unsaved) rows, with some statuses changed."""
    rows = []
    for item in DEMO_CHANNELS:
        row = Channel(
            key=item["key"],
            name=item["name"],
            kind=item["kind"],
            contact=item["contact"],
            aliases=item.get("aliases"),
            status=status.get(item["key"], item.get("status", "up")),
        )
        rows.append(row)
    return rows


def everything_up(**status: str) -> list[Channel]:
    rows = demo_channels()
    for row in rows:
        row.status = status.get(row.key, "up")
    return rows


def keys(found: list[mentions.Mention]) -> list[str]:
    return [m.channel_key for m in found]


# --- what contact of a channel must never show while it is down -----------------------------------


def contact_patterns(item: dict[str, Any]) -> list[re.Pattern[str]]:
    """Ways a channel's contact could appear, written independently of the code under test."""
    contact = item["contact"]
    patterns = [re.compile(re.escape(contact), re.IGNORECASE)]
    digits = re.sub(r"\D", "", contact)
    if len(digits) == 10:
        a, e, n = digits[:3], digits[3:6], digits[6:]
        patterns.append(re.compile(rf"\(?{a}\)?[\s.-]?{e}[\s.-]?{n}"))
        patterns.append(re.compile(rf"(?<!\d){e}[\s.-]{n}(?!\d)"))
    for domain in re.findall(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", contact):
        patterns.append(re.compile(re.escape(domain), re.IGNORECASE))
    return patterns


def leaks(item: dict[str, Any], shown: Any) -> list[str]:
    text = shown if isinstance(shown, str) else json.dumps(shown)
    return [m.group(0) for p in contact_patterns(item) for m in p.finditer(text)]


# --- find -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "(877) 493-1947",
        "(877)493-1947",
        "877-493-1947",
        "8774931947",
        "877.493.1947",
        "877 493 1947",
        "+1 877 493 1947",
        "1-877-493-1947",
    ],
)
def test_find_a_phone_number_in_any_common_format(number: str) -> None:
    found = mentions.find(demo_channels(), f"Call {number} for refills.")
    assert [(m.channel_key, m.found_text) for m in found] == [("vermont_blue_rx", number)]
    start, end = found[0].span
    assert f"Call {number} for refills."[start:end] == number


@pytest.mark.parametrize(
    "text", ["Call 87749319470.", "Call (877) 493-1948.", "Ref 18774931947123", "ID 9877-493-1947"]
)
def test_other_numbers_are_not_mentions(text: str) -> None:
    assert mentions.find(demo_channels(), text) == []


def test_find_names_aliases_and_their_case() -> None:
    found = mentions.find(
        demo_channels(),
        "Vermont Blue Rx and the medicare part d line work; so does the Vermont Blue Rx "
        "pharmacy line. Use the Vermont Blue Rx portal for prior authorizations.",
    )
    assert [(m.channel_key, m.found_text) for m in found] == [
        ("vermont_blue_rx", "Vermont Blue Rx"),
        ("part_d_line", "medicare part d line"),
        ("vermont_blue_rx", "Vermont Blue Rx pharmacy line"),
        ("vermont_blue_rx_portal", "Vermont Blue Rx portal"),
    ]


def test_find_a_name_without_its_parenthetical_and_coordinated_names() -> None:
    found = mentions.find(
        demo_channels(),
        "The Member and Provider Resource Centers work. Write to the Member Resource Center.",
    )
    assert keys(found) == [
        "member_resource_center",
        "provider_resource_center",
        "member_resource_center",
    ]
    assert found[0].found_text == found[1].found_text == "Member and Provider Resource Centers"


@pytest.mark.parametrize(
    "url",
    [
        "VermontHealthConnect.gov",
        "vermonthealthconnect.gov",
        "www.VermontHealthConnect.gov",
        "https://vermonthealthconnect.gov/pay-now",
    ],
)
def test_find_a_web_contact(url: str) -> None:
    text = f"Pay at {url}."
    found = mentions.find(demo_channels(), text)
    assert [(m.channel_key, m.found_text) for m in found] == [("exchange_website", url)]


def test_patterns_come_from_the_rows_not_from_code() -> None:
    nurse = Channel(
        key="nurse_line",
        name="Nurse advice line",
        kind="phone",
        contact="802-555-0100",
        aliases=["nurse line"],
        status="up",
    )
    found = mentions.find(
        [*demo_channels(), nurse], "The Nurse Advice Line ((802) 555-0100) and the nurse line."
    )
    assert keys(found) == ["nurse_line"] * 3
    assert mentions.find(demo_channels(), "The Nurse Advice Line ((802) 555-0100).") == []


# --- present --------------------------------------------------------------------------------------


def test_present_the_reported_timeline_entry_with_the_pharmacy_line_down() -> None:
    shown = mentions.present(demo_channels(vermont_blue_rx="down"), BUG_UPDATE)
    assert shown == (
        "Phones and internet are still down. Vermont Blue Rx (now unavailable) and the "
        "Medicare Part D line (888) 620-1746 are working. No health care data has been "
        "compromised."
    )


def test_present_the_reported_timeline_entry_with_the_part_d_line_down() -> None:
    shown = mentions.present(demo_channels(part_d_line="down"), BUG_UPDATE)
    assert "(888) 620-1746" not in shown and "Medicare Part D line (now unavailable)" in shown
    assert "Vermont Blue Rx (877) 493-1947" in shown


def test_present_leaves_text_about_working_channels_alone() -> None:
    assert mentions.present(demo_channels(), BUG_UPDATE) == BUG_UPDATE
    degraded = demo_channels(vermont_blue_rx="degraded")
    assert mentions.present(degraded, BUG_UPDATE) == BUG_UPDATE
    assert mentions.present(demo_channels(), "") == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("For refills call 877.493.1947 today.", "Vermont Blue Rx pharmacy line (now unavailable)"),
        ("Call Vermont Blue Rx at 877-493-1947.", "Call Vermont Blue Rx (now unavailable)."),
        ("Vermont Blue Rx (877-493-1947) works.", "Vermont Blue Rx (now unavailable) works."),
        ("Vermont Blue Rx is down.", "Vermont Blue Rx is down."),
        ("Vermont Blue Rx, (877) 493-1947, is down.", "Vermont Blue Rx is down."),
    ],
)
def test_present_drops_the_number_and_marks_the_channel(text: str, expected: str) -> None:
    shown = mentions.present(demo_channels(vermont_blue_rx="down"), text)
    assert expected in shown, shown
    assert "1947" not in shown


def test_present_a_down_website_and_coordinated_names() -> None:
    down = demo_channels(member_resource_center="down", exchange_website="down")
    shown = mentions.present(down, "Pay at https://www.VermontHealthConnect.gov/pay.")
    assert "VermontHealthConnect" not in shown and MARK in shown
    shown = mentions.present(down, "The Member and Provider Resource Centers are working.")
    assert shown == (
        "The Member Resource Center (now unavailable) and Provider Resource Center are working."
    )


def test_present_is_idempotent_for_each_channel_down() -> None:
    for key in CHANNEL_KEYS:
        rows = everything_up(**{key: "down"})
        once = mentions.present(rows, BUG_UPDATE)
        assert mentions.present(rows, once) == once, key


# --- working claims -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "claimed"),
    [
        ("Vermont Blue Rx is working.", ["vermont_blue_rx"]),
        (
            "Vermont Blue Rx and the Medicare Part D line are working.",
            ["vermont_blue_rx", "part_d_line"],
        ),
        (BUG_UPDATE, ["vermont_blue_rx", "part_d_line"]),
        ("You can call (877) 493-1947 for refills.", ["vermont_blue_rx"]),
        ("You can still call Vermont Blue Rx.", ["vermont_blue_rx"]),
        ("Please use VermontHealthConnect.gov to pay.", ["exchange_website"]),
        ("The Medicare Part D line is available again.", ["part_d_line"]),
        (
            "The Member and Provider Resource Centers are up.",
            ["member_resource_center", "provider_resource_center"],
        ),
        ("Vermont Blue Rx is down.", []),
        ("Vermont Blue Rx is not working.", []),
        ("Vermont Blue Rx isn't working.", []),
        ("Vermont Blue Rx is down, but the Medicare Part D line is working.", ["part_d_line"]),
        ("Do not call (877) 493-1947.", []),
        ("You can no longer call Vermont Blue Rx.", []),
        ("Vermont Blue Rx is no longer available.", []),
        ("Phones and internet are still down.", []),
        ("Claims in the Member Resource Center are up to date as of Nov 26.", []),
        (
            "If you can't reach Member Services phone line, the Member Resource Center is up.",
            ["member_resource_center"],
        ),
        ("Not working right now: Vermont Blue Rx pharmacy line.", []),
        (
            "Not working: Our website; Vermont Blue Rx pharmacy line. Working: Pay by mail.",
            ["pay_by_mail"],
        ),
        (
            "Working: Vermont Blue Rx pharmacy line, Medicare Part D line.",
            ["vermont_blue_rx", "part_d_line"],
        ),
    ],
)
def test_working_claims(text: str, claimed: list[str]) -> None:
    assert mentions.working_claims(demo_channels(), text) == claimed


# --- saving: link, refuse claims about down channels ----------------------------------------------


def test_saved_texts_are_linked_to_the_channels_they_name(sqlite_store: Store) -> None:
    with sqlite_store.read() as s:
        linked = mentions.texts_mentioning(s, "vermont_blue_rx")
        assert {(t.source, t.field) for t in linked} == {
            ("incident", "working_note"),
            ("incident_update", "body"),
            ("date_rule", "text"),
            ("outbound_message", "text"),
            # Their Spanish versions name it too (a channel's own name in Spanish does not).
            ("translation", "text"),
        }
        assert {t.owner for t in linked if t.source == "translation"} == {
            f"incident:{OUTAGE}:working_note:es",
            f"incident_update:{OUTAGE}@2023-11-28T14:00:00+00:00:body:es",
            "rule:prior_auth_vendor_portals:text:es",
        }
        update = next(t for t in linked if t.source == "incident_update")
        assert update.owner == OUTAGE and update.text == BUG_UPDATE
        assert {t.source for t in mentions.texts_mentioning(s, "urgent_pa_answering_service")} == {
            "date_rule",
            "translation",
        }
        assert mentions.texts_mentioning(s, "pay_by_mail") == []
    with sqlite_store.begin("editor") as s:
        now = sqlite_store.clock.now()
        incidents.post_update(s, OUTAGE, "Pay by mail still works.", now)
        texts.set_text(s, "pay_hint", "You can pay by mail or call 877-493-1947.")
        incidents.update_incident(s, OUTAGE, {"working_note": "Only pay by mail works."}, now)
    with sqlite_store.read() as s:
        linked = mentions.texts_mentioning(s, "pay_by_mail")
        assert sorted((t.source, t.field) for t in linked) == [
            ("answer_text", "text"),
            ("incident", "working_note"),
            ("incident_update", "body"),
        ]
        # The working note no longer names the pharmacy line: its link went with the old text.
        assert ("incident", "working_note") not in {
            (t.source, t.field) for t in mentions.texts_mentioning(s, "vermont_blue_rx")
        }


def test_a_new_channel_is_linked_to_texts_that_already_name_it(sqlite_store: Store) -> None:
    with sqlite_store.begin("editor") as s:
        incidents.post_update(s, OUTAGE, "Nurses answer at 802-555-0100.", sqlite_store.clock.now())
    with sqlite_store.begin("editor") as s:
        channels.upsert_channel(
            s,
            {"key": "nurse_line", "name": "Nurse line", "kind": "phone", "contact": "802-555-0100"},
        )
    with sqlite_store.read() as s:
        assert [t.source for t in mentions.texts_mentioning(s, "nurse_line")] == ["incident_update"]


@pytest.mark.parametrize("key", CHANNEL_KEYS)
def test_calling_a_down_channel_working_is_refused(sqlite_store: Store, key: str) -> None:
    item = next(c for c in DEMO_CHANNELS if c["key"] == key)
    claim = f"The {item['name']} is working."
    with sqlite_store.begin("ops") as s:
        channels.set_status(s, key, "down")
    for field in ("body", "working_note", "summary"):
        with pytest.raises(Invalid) as refused, sqlite_store.begin("editor") as s:
            now = sqlite_store.clock.now()
            if field == "body":
                incidents.post_update(s, OUTAGE, claim, now)
            else:
                incidents.update_incident(s, OUTAGE, {field: claim}, now)
        assert refused.value.field == field and key in str(refused.value), str(refused.value)
    with sqlite_store.read() as s:
        outage = incidents.get_incident(s, OUTAGE)
        assert len(outage.updates) == 2 and claim not in (outage.working_note or "")
    # Saying it is down is fine, and so is the claim once the channel is back up.
    with sqlite_store.begin("editor") as s:
        incidents.post_update(s, OUTAGE, f"The {item['name']} is down.", sqlite_store.clock.now())
        channels.set_status(s, key, "up")
        incidents.post_update(s, OUTAGE, claim, sqlite_store.clock.now())


def test_the_loader_keeps_historic_updates_about_a_channel_now_down(
    tmp_path: Any, clock: Clock
) -> None:
    data = json.loads(json.dumps(DEMO, default=str))
    for item in data["channels"]:
        if item["key"] == "vermont_blue_rx":
            item["status"] = "down"
    outage = next(i for i in data["incidents"] if i["key"] == OUTAGE)
    outage["working_note"] = "The Member and Provider Resource Centers are working."
    store = Store.create(f"sqlite:///{tmp_path / 'store.db'}", clock)
    migrate.upgrade(store.engine)
    try:
        with store.begin("loader") as s:
            scenario.load(s, data, clock.now())
        with store.read() as s:
            assert any("493-1947" in u.body for u in incidents.get_incident(s, OUTAGE).updates)
        outage["working_note"] = "Vermont Blue Rx is working."
        with pytest.raises(Invalid, match="vermont_blue_rx"), store.begin("loader") as s:
            scenario.load(s, data, clock.now())
    finally:
        store.dispose()


# --- every view, with each channel of the demo down in turn ---------------------------------------


def _intents() -> list[str]:
    try:
        from bot.topics import BY_INTENT  # type: ignore[import-not-found,unused-ignore]

        return sorted(BY_INTENT)
    except ImportError:  # pragma: no cover - before the topic table existed
        from bot.answers.registry import REGISTRY  # type: ignore[import-not-found,unused-ignore]

        return sorted(REGISTRY)


def stored_texts(session: Any) -> list[str]:
    found: list[str] = []
    for incident in session.scalars(select(Incident)):
        found += [incident.summary, incident.working_note or ""]
        found += [u.body for u in incident.updates]
    found += [t.text for t in session.scalars(select(AnswerText))]
    found += [r.text for r in session.scalars(select(DateRule))]
    found += [c.status_note or "" for c in channels.list_channels(session)]
    return found


@pytest.mark.parametrize("key", CHANNEL_KEYS)
def test_no_view_shows_the_contact_of_a_down_channel(sqlite_store: Store, key: str) -> None:
    item = next(c for c in DEMO_CHANNELS if c["key"] == key)
    with sqlite_store.begin("ops") as s:
        channels.set_status(s, key, "down", "line cut")
    clock = sqlite_store.clock
    with sqlite_store.read() as s:
        document, _ = status_document(s, clock.now())
        assert leaks(item, document) == []
        for audience in ("member", "provider"):
            for intent in _intents():
                view = lookup.describe(s, clock, lookup.Parse(intent, 1.0, []), audience)
                assert leaks(item, view) == [], (intent, audience)
                assert leaks(item, lookup.render_text(view)) == [], (intent, audience)
                for row in view["routing"]:
                    if row["channel"] == key:
                        assert row["how"] == "unavailable" and not row["offered"]
        for text in stored_texts(s):
            assert leaks(item, mentions.present(s, text)) == [], text


def test_the_reported_entry_stays_in_the_timeline_marked(sqlite_store: Store) -> None:
    with sqlite_store.begin("ops") as s:
        channels.set_status(s, "vermont_blue_rx", "down")
    clock = sqlite_store.clock
    with sqlite_store.read() as s:
        document, _ = status_document(s, clock.now())
        bodies = [u["body"] for u in document["incidents"][0]["updates"]]
        assert any("Vermont Blue Rx (now unavailable)" in b for b in bodies)
        view = lookup.describe(s, clock, lookup.Parse("ask_pharmacy_help", 1.0, []), "member")
        timeline = [u["body"] for u in view["incidents"][0]["timeline"]]
        assert any("Vermont Blue Rx (now unavailable)" in b for b in timeline)
        assert "Medicare Part D line (888) 620-1746" in timeline[-1]
        assert view["routing"][0]["how"] == "unavailable"
        # Editors still see the stored words.
        assert incidents.get_incident(s, OUTAGE).updates[-1].body == BUG_UPDATE


def test_a_contact_written_as_an_instruction_is_a_claim() -> None:
    rows = demo_channels()
    assert mentions.working_claims(rows, "You can still use the Carelon provider portal.") == [
        "carelon_portal"
    ]
    assert mentions.working_claims(rows, "Do not use the Carelon provider portal.") == []


def test_migration_0003_matches_the_model_and_downgrades(empty_store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import inspect

    from bot.models import metadata

    with empty_store.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), metadata)
    assert [d for d in diffs if "text_mentions" in repr(d) or "aliases" in repr(d)] == []
    migrate.downgrade(empty_store.engine, "0002")
    names = inspect(empty_store.engine).get_table_names()
    assert "text_mentions" not in names and "api_tokens" in names
    assert "aliases" not in {c["name"] for c in inspect(empty_store.engine).get_columns("channels")}
    migrate.upgrade(empty_store.engine)
    assert migrate.current_revision(empty_store.engine) == migrate.head_revision()
    with empty_store.begin("loader") as s:
        scenario.load(s, DEMO, empty_store.clock.now())
    with empty_store.read() as s:
        linked = mentions.texts_mentioning(s, "vermont_blue_rx")
        assert sorted((t.source, t.owner) for t in linked) == [
            ("date_rule", "prior_auth_vendor_portals"),
            ("incident", OUTAGE),
            ("incident_update", OUTAGE),
            ("outbound_message", "outage_banner"),
            ("outbound_message", "pharmacy_ivr_prompt"),
            ("translation", f"incident:{OUTAGE}:working_note:es"),
            ("translation", f"incident_update:{OUTAGE}@2023-11-28T14:00:00+00:00:body:es"),
            ("translation", "rule:prior_auth_vendor_portals:text:es"),
        ]


def test_migration_0003_links_texts_already_stored(store: Store) -> None:
    migrate.downgrade(store.engine, "0002")
    migrate.upgrade(store.engine)
    with store.read() as s:
        # The downgrade dropped the aliases: by its number (and the words before it, which
        # begin its name) the pharmacy line is still found.
        linked = mentions.texts_mentioning(s, "vermont_blue_rx")
        assert [(t.source, t.field, t.found) for t in linked] == [
            ("incident_update", "body", ("Vermont Blue Rx", "(877) 493-1947"))
        ]
        linked = mentions.texts_mentioning(s, "member_resource_center")
        assert {(t.source, t.field) for t in linked} == {
            ("incident", "working_note"),
            ("incident_update", "body"),
        }
