"""Spanish end to end, below the chat: the catalogue, the store's translations, the answers.

Every English template in the code has a Spanish entry; every domain response has both
languages; each topic's Spanish answer is Spanish sentence by sentence (read by the same
offline detector the chat uses), from the same live store as the English one.
"""

from __future__ import annotations

import re
import string

import pytest
import yaml
from sqlalchemy import select

from bot import i18n, language, topics, wording
from bot.config import PROJECT_ROOT
from bot.db import Store
from bot.errors import Invalid
from bot.models import AuditEntry, Translation
from bot.services import channels, translations

INCIDENT = "nov-2023-phone-internet"


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_every_english_template_in_the_code_has_a_spanish_entry() -> None:
    catalogue = i18n.catalogue("es")
    missing = [t.where for t in wording.templates() if t.english not in catalogue]
    assert missing == []


def test_the_catalogue_keeps_every_placeholder_and_holds_nothing_the_code_no_longer_says() -> None:
    catalogue = i18n.catalogue("es")
    said = {t.english for t in wording.templates()}
    assert [k for k in catalogue if k not in said] == []
    wrong = [k for k, v in catalogue.items() if _fields(k) != _fields(v)]
    assert wrong == []


def test_every_domain_response_has_an_english_and_a_spanish_variation() -> None:
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())
    for name, variations in domain["responses"].items():
        languages = set()
        for v in variations:
            said = {c["value"] for c in v.get("condition") or [] if c["name"] == "language"}
            languages |= said or {"en"}
        assert languages == {"en", "es"}, name
    assert domain["slots"]["language"]["initial_value"] == "en"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("necesito surtir mi receta, a que numero llamo?", "es"),
        ("hola", "es"),
        ("gracias", "es"),
        ("necesito un prior auth para mi MRI", "es"),
        ("where do I pay my premium", "en"),
        ("thanks", "en"),
        ("ok", None),
        ("no", None),
        ("Part D", None),
        ("", None),
    ],
)
def test_a_message_settles_the_language_only_when_it_is_clear(
    text: str, expected: str | None
) -> None:
    assert language.read(text).language == expected


def test_the_widgets_choice_wins_over_the_words() -> None:
    assert language.read("where is my claim", {"language": "es"}).language == "es"
    assert language.read("dónde está mi reclamo", {"language": "en-US"}).how == "explicit"
    assert language.read("hola", {"language": "klingon"}).language == "es"


def _spanish_answer(store: Store, key: str, audience: str = "member") -> topics.Answer:
    with store.read() as s:
        asked = topics.Asked(audience=audience, language="es")
        return topics.answer(s, store.clock, topics.BY_KEY[key], asked)


#: Proper names and contacts that read as neither language; removed before detecting.
_NAMES = re.compile(
    r"Vermont Blue Rx|Vermont Health Connect|VermontHealthConnect\.gov|Member Resource Center|"
    r"Provider Resource Center|Carelon|Medicare|Part D|Lumen|https?://\S+|[\w.-]+\.(?:com|gov|org)"
    r"|\(?\d[\d() -]{6,}\d|\d+:\d\d [AP]M|[A-Z]{2,}",
)


def _sentences(text: str) -> list[str]:
    plain = _NAMES.sub(" ", text)
    parts = re.split(r"(?<=[.!?:;])\s+", plain)
    return [p for p in parts if len(re.findall(r"[^\W\d_]+", p)) >= 4]


@pytest.mark.parametrize("key", [t.key for t in topics.TOPICS])
@pytest.mark.parametrize("audience", topics.AUDIENCES)
def test_each_topic_is_answered_in_spanish_from_the_same_store(
    sqlite_store: Store, key: str, audience: str
) -> None:
    spanish = _spanish_answer(sqlite_store, key, audience)
    with sqlite_store.read() as s:
        english = topics.answer(
            s, sqlite_store.clock, topics.BY_KEY[key], topics.Asked(audience=audience)
        )
    assert spanish.language == "es"
    assert spanish.offered == english.offered and spanish.unavailable == english.unavailable
    for number in re.findall(r"\(\d{3}\) \d{3}-\d{4}|\d{3}-\d{3}-\d{4}", english.text):
        assert number in spanish.text, (number, spanish.text)
    english_sentences = [
        s for s in _sentences(spanish.text) if language.read(s).language == i18n.ENGLISH
    ]
    assert english_sentences == [], spanish.text
    assert i18n.UNTRANSLATED_NOTE["es"] not in spanish.text, spanish.text


def test_a_channel_going_down_changes_the_spanish_answer_at_once(sqlite_store: Store) -> None:
    before = _spanish_answer(sqlite_store, "pharmacy").text
    assert "(877) 493-1947" in before
    with sqlite_store.begin("ops") as s:
        channels.set_status(s, "vermont_blue_rx", "down", "Vendor phone outage.")
    after = _spanish_answer(sqlite_store, "pharmacy").text
    assert "(877) 493-1947" not in after
    # The new English status note has no Spanish yet: shown, and said so in Spanish.
    assert "Vendor phone outage" in after
    assert i18n.UNTRANSLATED_NOTE["es"] in after


def test_a_translation_of_english_that_changed_is_not_shown(sqlite_store: Store) -> None:
    with sqlite_store.begin("ops") as s:
        channels.set_status(s, "vermont_blue_rx", "degraded", "Long waits.")
        translations.set_translation(
            s, "channel", "vermont_blue_rx", "status_note", "es", "Esperas largas."
        )
    assert "Esperas largas" in _spanish_answer(sqlite_store, "pharmacy").text
    with sqlite_store.begin("ops") as s:
        channels.set_status(s, "vermont_blue_rx", "degraded", "Waits of an hour or more.")
    text = _spanish_answer(sqlite_store, "pharmacy").text
    assert "Esperas largas" not in text
    assert "Waits of an hour or more" in text and i18n.UNTRANSLATED_NOTE["es"] in text
    with sqlite_store.read() as s:
        reasons = {(g.key, g.field): g.reason for g in translations.gaps(s, "es")}
    assert reasons[("vermont_blue_rx", "status_note")] == "outdated"


def test_the_data_impact_statement_is_shown_in_spanish_only_once_approved(
    sqlite_store: Store,
) -> None:
    statement = "Ningún dato de salud fue comprometido (revisado)."
    with sqlite_store.begin("comms") as s:
        row = translations.set_translation(
            s, "incident", INCIDENT, "data_impact_statement", "es", statement
        )
        assert row.approved_at is None  # a changed text needs approval again
    text = _spanish_answer(sqlite_store, "data_impact").text
    assert statement not in text and i18n.UNTRANSLATED_NOTE["es"] in text
    with sqlite_store.begin("legal") as s:
        translations.approve(
            s,
            "incident",
            INCIDENT,
            "data_impact_statement",
            "es",
            actor="legal",
            now=sqlite_store.clock.now(),
        )
    text = _spanish_answer(sqlite_store, "data_impact").text
    assert statement in text and i18n.UNTRANSLATED_NOTE["es"] not in text
    key = f"incident:{INCIDENT}:data_impact_statement:es"
    with sqlite_store.read() as s:
        query = select(AuditEntry).where(AuditEntry.entity == Translation.__tablename__)
        trail = [(e.actor, e.after) for e in s.scalars(query) if e.entity_key == key]
    assert [actor for actor, _ in trail][-2:] == ["comms", "legal"]
    assert trail[-1][1]["approved_by"] == "legal"


def test_translations_refuse_what_cannot_be_translated(sqlite_store: Store) -> None:
    with sqlite_store.begin("ops") as s:
        with pytest.raises(Invalid):  # a number is the same in every language
            translations.set_translation(s, "channel", "vermont_blue_rx", "contact", "es", "x")
        with pytest.raises(Invalid):
            translations.set_translation(s, "channel", "vermont_blue_rx", "name", "en", "x")
        with pytest.raises(Invalid):
            translations.set_translation(s, "routes", "pharmacy", "text", "es", "x")


def test_the_demo_store_has_every_stored_text_in_spanish(sqlite_store: Store) -> None:
    with sqlite_store.read() as s:
        gaps = [g for g in translations.gaps(s, "es") if g.owner != "code"]
    assert [(g.owner, g.key, g.field, g.reason) for g in gaps] == []


def test_spanish_dates_and_details_are_read_like_english_ones() -> None:
    from datetime import date

    from bot import entities
    from bot.dates import find_date, parse_date

    today = date(2023, 11, 28)
    found = entities.read(
        "necesito autorización para una resonancia magnética el 5 de diciembre, "
        "el proveedor está en la red y es urgente"
    )
    assert found == {
        "service_category": "advanced_imaging",
        "DATE": "5 de diciembre",
        "network": "in_network",
        "urgency": "urgent",
    }
    assert parse_date("el próximo martes", today) == date(2023, 12, 5)
    assert parse_date("mañana", today) == date(2023, 11, 29)
    assert find_date("la cita es en la mañana") is None
