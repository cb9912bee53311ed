"""Understand a service date in free text: "dec 5", "12/5", "next tuesday", "tomorrow",
and the same in Spanish: "5 de diciembre", "el próximo martes", "mañana".

spaCy's DATE entity (when the pretrained pipeline is linked) tells us *which words* are the
date; this module turns those words (or the whole message, with a blank pipeline) into a
calendar date relative to the clock's today. Years are inferred: a month and day without a
year means the next such day within the coming ~10 months, else the most recent one.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta

from dateutil import parser as dateutil_parser

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_WEEKDAY_ABBR = {name[:3]: i for i, name in enumerate(WEEKDAYS)}
_RELATIVE_DAYS = {"today": 0, "tonight": 0, "tomorrow": 1, "tmrw": 1, "yesterday": -1}
_IN_N = re.compile(r"\bin\s+(\d{1,3}|a|one|two|three|four|five|six|seven)\s+(day|week)s?\b")
_WORD_NUMBERS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
_WEEKDAY = re.compile(
    r"\b(?:(next|this|coming)\s+)?(" + "|".join(WEEKDAYS) + r"|tues|weds|thurs)\b"
    r"|\b(next|this|coming)\s+(mon|tue|wed|thu|fri|sat|sun)\b"
)
_NUMERIC = re.compile(r"\b(\d{1,2})[/\-.](\d{1,2})(?:[/\-.](\d{2,4}))?\b")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_HAS_MONTH = re.compile(r"\b(" + "|".join(_MONTHS) + r")[a-z]*\.?\b")
_ORDINAL = re.compile(r"\b(\d{1,2})(st|nd|rd|th)\b")


_ES_MONTHS = {
    "enero": "jan",
    "febrero": "feb",
    "marzo": "mar",
    "abril": "apr",
    "mayo": "may",
    "junio": "jun",
    "julio": "jul",
    "agosto": "aug",
    "septiembre": "sep",
    "setiembre": "sep",
    "octubre": "oct",
    "noviembre": "nov",
    "diciembre": "dec",
}
_ES_WEEKDAYS = {
    "lunes": "monday",
    "martes": "tuesday",
    "miercoles": "wednesday",
    "jueves": "thursday",
    "viernes": "friday",
    "sabado": "saturday",
    "domingo": "sunday",
}
_ES_NUMBERS = {"un": "one", "una": "one", "dos": "two", "tres": "three", "cuatro": "four"}
_ES_MONTH_WORD = "(?:" + "|".join(_ES_MONTHS) + ")"
_ES_WEEKDAY_WORD = r"(?:lunes|martes|mi[eé]rcoles|jueves|viernes|s[aá]bado|domingo)"
#: "mañana" is tomorrow, but "la mañana" / "en la mañana" is the morning.
_ES_TOMORROW = r"(?<!la )(?<!esta )\bma[nñ]ana\b"


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _from_spanish(text: str) -> str:
    """Spanish date words in English ones, so one parser reads both ("el próximo martes" →
    "next tuesday", "5 de diciembre" → "5 of dec")."""
    out = _fold(text)
    if not re.search(
        r"\b(?:" + "|".join([*_ES_MONTHS, *_ES_WEEKDAYS]) + r"|hoy|manana|ayer|dias?|semanas?)\b",
        out,
    ):
        return text.lower()
    out = re.sub(r"\bpasado\s+manana\b", "in 2 days", out)
    out = re.sub(r"(?<!la )(?<!esta )\bmanana\b", "tomorrow", out)
    out = re.sub(r"\bhoy\b", "today", out)
    out = re.sub(r"\bayer\b", "yesterday", out)
    out = re.sub(
        r"\ben\s+(\d{1,3}|un|una|dos|tres|cuatro)\s+(dia|semana)s?\b",
        lambda m: "in {} {}s".format(
            _ES_NUMBERS.get(m.group(1), m.group(1)), "day" if m.group(2) == "dia" else "week"
        ),
        out,
    )
    for spanish, english in _ES_WEEKDAYS.items():
        out = re.sub(rf"\b(?:el\s+)?(?:proximo|siguiente)\s+{spanish}\b", f"next {english}", out)
        out = re.sub(rf"\b(?:el\s+)?{spanish}\s+(?:que\s+viene|proximo)\b", f"next {english}", out)
        out = re.sub(rf"\beste\s+{spanish}\b", f"this {english}", out)
        out = re.sub(rf"\b{spanish}\b", english, out)
    for spanish, english in _ES_MONTHS.items():
        out = re.sub(rf"\bde\s+{spanish}\b", f"of {english}", out)
        out = re.sub(rf"\b{spanish}\b", english, out)
    return re.sub(r"\b(?:de|del)\s+((?:19|20)\d{2})\b", r"\1", out)


def parse_date(text: str, today: date) -> date | None:
    """A calendar date from ``text``, or None if it names no date we can be sure of."""
    if not text or not text.strip():
        return None
    lowered = _from_spanish(text.strip())
    try:
        return date.fromisoformat(lowered)
    except ValueError:
        pass
    for word, offset in _RELATIVE_DAYS.items():
        if re.search(rf"\b{word}\b", lowered):
            return today + timedelta(days=offset)
    match = _IN_N.search(lowered)
    if match:
        count = _WORD_NUMBERS.get(match.group(1)) or int(match.group(1))
        return today + timedelta(days=count * (7 if match.group(2) == "week" else 1))
    numeric = _NUMERIC.search(lowered)
    if numeric:
        return _numeric(numeric, today)
    if _HAS_MONTH.search(lowered) and re.search(r"\d", lowered):
        return _month_day(lowered, today)
    weekday = _WEEKDAY.search(lowered)
    if weekday:
        qualifier = weekday.group(1) or weekday.group(3)
        return _weekday(qualifier, weekday.group(2) or weekday.group(4), today)
    return None


def _numeric(match: re.Match[str], today: date) -> date | None:
    month, day_, year = int(match.group(1)), int(match.group(2)), match.group(3)
    try:
        if year:
            full = int(year) + (2000 if len(year) == 2 else 0)
            return date(full, month, day_)
        return _infer_year(month, day_, today)
    except ValueError:
        return None


def _month_day(text: str, today: date) -> date | None:
    cleaned = _ORDINAL.sub(r"\1", text)
    cleaned = re.sub(r"\b(on|the|of|for|at|a|an|my|is|it's|its)\b", " ", cleaned)
    try:
        parsed, tokens = dateutil_parser.parse(
            cleaned, default=datetime(today.year, today.month, 1), fuzzy_with_tokens=True
        )
    except (ValueError, OverflowError):
        return None
    has_year = bool(re.search(r"\b(19|20)\d{2}\b", text))
    if has_year:
        return parsed.date()
    try:
        return _infer_year(parsed.month, parsed.day, today)
    except ValueError:
        return None


def _infer_year(month: int, day_: int, today: date) -> date:
    candidate = date(today.year, month, day_)
    if candidate < today - timedelta(days=60):
        candidate = date(today.year + 1, month, day_)
    return candidate


def _weekday(qualifier: str | None, name: str, today: date) -> date:
    """'tuesday' / 'this tuesday': the coming one (today counts); 'next tuesday': after today."""
    ahead = (_WEEKDAY_ABBR[name[:3]] - today.weekday()) % 7
    if ahead == 0 and qualifier == "next":
        ahead = 7
    return today + timedelta(days=ahead)


_MONTH_WORD = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
#: Phrases that name a date, for finding one inside a longer message (longest first).
_DATE_SPANS = re.compile(
    "|".join(
        [
            r"\b\d{4}-\d{2}-\d{2}\b",
            rf"\b{_MONTH_WORD}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+(?:19|20)\d{{2}})?\b",
            rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_WORD}(?:,?\s+(?:19|20)\d{{2}})?",
            r"(?<![\d(])\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b(?![\d)-])",
            r"\b(?:today|tonight|tomorrow|tmrw)\b",
            _IN_N.pattern,
            r"\b(?:(?:next|this|coming)\s+)?(?:" + "|".join(WEEKDAYS) + r"|tues|weds|thurs)\b",
            rf"\b\d{{1,2}}\s+de\s+{_ES_MONTH_WORD}(?:\s+(?:de|del)\s+(?:19|20)\d{{2}})?",
            rf"\b{_ES_MONTH_WORD}\s+\d{{1,2}}\b",
            r"\bpasado\s+ma[nñ]ana\b",
            _ES_TOMORROW,
            r"\b(?:hoy|ayer)\b",
            r"\ben\s+(?:\d{1,3}|un|una|dos|tres|cuatro)\s+(?:d[ií]as?|semanas?)\b",
            rf"\b(?:(?:el\s+)?(?:pr[oó]ximo|siguiente|este)\s+)?{_ES_WEEKDAY_WORD}"
            r"(?:\s+(?:que\s+viene|pr[oó]ximo))?\b",
        ]
    ),
    re.IGNORECASE,
)


def find_date(text: str) -> tuple[int, int] | None:
    """Where a date is named in a longer message ("surgery on 11/21/23, need PA?").

    Only the span is found here; :func:`parse_date` reads it against the caller's clock,
    so "tomorrow" means tomorrow on the pinned clock, not on the NLU server's.
    """
    match = _DATE_SPANS.search(text or "")
    if match is None or parse_date(match.group(0), date(2000, 1, 1)) is None:
        return None
    return match.start(), match.end()
