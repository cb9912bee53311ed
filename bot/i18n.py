"""The language an answer is written in: the code's wording and the store's prose, per language.

Two sources of words, one rule:

* wording in the code (templates, the freshness line, dates) is English and is looked up in
  a catalogue, ``bot/locale/<language>.yml`` (English text → translation), with :func:`t`.
  ``tests/test_i18n.py`` checks that every English template in the code has an entry;
* prose staff store (answer texts, channel descriptions, incident summaries and updates,
  the data-impact statement) has translations in the store (:mod:`bot.services.translations`),
  read with :func:`prose`.

An answer is composed inside :func:`speaking`, which sets the language for everything the
composition reads (a context variable, as gettext and Django do: the wording helpers sit
many calls below the topic and must not each grow a language parameter). When stored prose
has no translation (or, for the data-impact statement, no *approved* one), the English is
shown and :attr:`Speaking.untranslated` records it, so the answer says so in the member's
language instead of switching language silently.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

ENGLISH = "en"
SPANISH = "es"
#: Every language the assistant answers in; the first is the one the store's own fields hold.
LANGUAGES = (ENGLISH, SPANISH)
NAMES = {ENGLISH: "English", SPANISH: "Español"}
LOCALE = Path(__file__).with_name("locale")

#: Said once, at the end of an answer that had to show stored English to a Spanish reader.
UNTRANSLATED_NOTE = {
    SPANISH: "(Parte de esta información todavía no está traducida y se muestra en inglés.)",
}


def normalise(language: Any) -> str | None:
    """'es', 'ES', 'es-MX', 'Español' → 'es'; anything else → None."""
    if not isinstance(language, str):
        return None
    value = language.strip().lower()
    if value.startswith(("español", "espanol", "spanish")):
        return SPANISH
    if value.startswith("english"):
        return ENGLISH
    code = value.split("-")[0].split("_")[0]
    return code if code in LANGUAGES else None


@lru_cache(maxsize=len(LANGUAGES))
def catalogue(language: str) -> dict[str, str]:
    """English wording → its translation (empty for English)."""
    path = LOCALE / f"{language}.yml"
    if language == ENGLISH or not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in data.items()}


@dataclass
class Speaking:
    """The language of the answer being composed and the store's translations into it."""

    language: str = ENGLISH
    #: (owner, key, field) → (translated text, the English it translates), for this language
    #: (approved ones only where the field needs approval).
    translations: dict[tuple[str, str, str], tuple[str, str]] = field(default_factory=dict)
    #: Stored prose shown in English for lack of a translation: (owner, key, field).
    untranslated: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def english(self) -> bool:
        return self.language == ENGLISH


_current: ContextVar[Speaking | None] = ContextVar("speaking", default=None)


def current() -> Speaking:
    return _current.get() or Speaking()


def language() -> str:
    return current().language


@contextmanager
def speaking(state: Speaking) -> Iterator[Speaking]:
    """Compose in ``state.language`` until the block ends (nested blocks restore the outer)."""
    token = _current.set(state)
    try:
        yield state
    finally:
        _current.reset(token)


def t(english: str, language: str | None = None) -> str:
    """The code's English wording in the current language (the catalogue's entry)."""
    state = current()
    lang = language or state.language
    if lang == ENGLISH:
        return english
    found = catalogue(lang).get(english)
    if found is None:
        if lang == state.language:
            state.untranslated.append(("code", "", english[:60]))
        return english
    return found


def prose(owner: str, key: str, field_name: str, english: str | None) -> str | None:
    """Stored prose in the current language; English (noted as untranslated) when there is
    no translation of *this* English."""
    state = current()
    if state.english or not english:
        return english
    found = state.translations.get((owner, key, field_name))
    if found and found[1].strip() == english.strip():
        return found[0]
    # None, or it translates English that has changed since: out of date.
    state.untranslated.append((owner, key, field_name))
    return english


def untranslated_note() -> str | None:
    """The notice an answer ends with when it showed untranslated prose (None otherwise)."""
    state = current()
    if state.english or not state.untranslated:
        return None
    return UNTRANSLATED_NOTE.get(state.language)
