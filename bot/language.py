"""Which language a member is writing in, read offline from the message itself.

The conversation's language is a slot (``language``) that only changes when a message says
so clearly: the widget's explicit choice (``metadata.language``), a message long enough for
the detector to be sure, or a short one made only of words of one language ("hola",
"gracias", "thanks"). "ok", "no", "Part D" or a name leave it as it was, so a Spanish
conversation stays Spanish until the member switches.

Detection is Lingua (models inside the wheel, no network), loaded for English and Spanish
only, once per process, on first use.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

from bot import i18n

#: Fewest letters-words for the detector to be trusted, and how sure it must be.
MIN_WORDS = 3
#: Three words: sure; four or more: fairly sure (Spanglish such as "necesito un prior auth
#: para mi MRI" scores about 0.78 Spanish).
CONFIDENCE_SHORT = 0.85
CONFIDENCE_LONG = 0.7

#: Words that on their own say which language a short message is in.
_ONLY: dict[str, frozenset[str]] = {
    i18n.SPANISH: frozenset(
        """hola buenas buenos dias días tardes noches gracias muchas ayuda ayudame ayúdeme
        ayudeme ayúdame adios adiós chao hasta luego sí si claro vale bueno perfecto
        entiendo entendí oiga señor señora porfa favor por necesito quiero
        farmacia receta donde dónde cuando cuándo que qué como cómo gracia mil bendiciones
        español espanol""".split()
    ),
    i18n.ENGLISH: frozenset(
        """hi hello hey thanks thank you thx ty help yes yeah yep nope bye goodbye please
        english great cool awesome sure morning afternoon evening good""".split()
    ),
}
#: The plan's English proper names, said the same in any language: left out before reading
#: ("¿cómo me registro en el Member Resource Center?" is Spanish).
_NAMES = re.compile(
    r"member\s+resource\s+center|provider\s+resource\s+center|vermont\s+blue\s+rx|"
    r"vermont\s+health\s+connect|vermonthealthconnect\.gov|prior\s+authorization\s+portal|"
    r"medicare|part\s+d|carelon|lumen|apologies",
    re.IGNORECASE,
)
#: Only Spanish writes these: with them, a fair lean to Spanish settles it.
_SPANISH_MARKS = re.compile(r"[¿¡ñÑ]")
CONFIDENCE_MARKED = 0.5
#: Letters only: "no", "ok", names and jargon are in neither list, so they never decide.
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@dataclass(frozen=True)
class Reading:
    """The language a message settles (None: it doesn't) and how it was decided."""

    language: str | None
    how: str  # explicit | detected | words | unsure
    confidence: float = 0.0


_lock = threading.Lock()
_detector: Any = None


def _lingua() -> Any:
    global _detector
    with _lock:
        if _detector is None:
            from lingua import Language, LanguageDetectorBuilder

            _detector = LanguageDetectorBuilder.from_languages(
                Language.ENGLISH, Language.SPANISH
            ).build()
        return _detector


def _confidences(text: str) -> dict[str, float]:
    from lingua import Language

    codes = {Language.ENGLISH: i18n.ENGLISH, Language.SPANISH: i18n.SPANISH}
    return {
        codes[c.language]: float(c.value)
        for c in _lingua().compute_language_confidence_values(text)
        if c.language in codes
    }


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(_NAMES.sub(" ", text or ""))]


def likelier(text: str) -> str:
    """The likelier of the two languages for any text, however short (no threshold): for
    choosing which language's model reads it, not for switching the conversation."""
    words = _words(text)
    for lang, lexicon in _ONLY.items():
        if words and all(w in lexicon for w in words):
            return lang
    if not words:
        return i18n.ENGLISH
    scores = _confidences(" ".join(words))
    return max(scores.items(), key=lambda kv: kv[1])[0]


def read(text: str, metadata: Any = None) -> Reading:
    """The language this message settles, if any."""
    if isinstance(metadata, dict):
        chosen = i18n.normalise(metadata.get("language"))
        if chosen is not None:
            return Reading(chosen, "explicit", 1.0)
    words = _words(text)
    if not words:
        return Reading(None, "unsure")
    marked = bool(_SPANISH_MARKS.search(text or ""))
    if len(words) < MIN_WORDS:
        for language, lexicon in _ONLY.items():
            if all(w in lexicon for w in words):
                return Reading(language, "words", 1.0)
        return Reading(None, "unsure")
    scores = _confidences(" ".join(words))
    if marked and scores.get(i18n.SPANISH, 0.0) >= CONFIDENCE_MARKED:
        return Reading(i18n.SPANISH, "detected", scores[i18n.SPANISH])
    language, confidence = max(scores.items(), key=lambda kv: kv[1])
    needed = CONFIDENCE_SHORT if len(words) == MIN_WORDS else CONFIDENCE_LONG
    if confidence >= needed:
        return Reading(language, "detected", confidence)
    return Reading(None, "unsure", confidence)
