"""Understand a service date in free text: "dec 5", "12/5", "next tuesday", "tomorrow".

spaCy's DATE entity (when the pretrained pipeline is linked) tells us *which words* are the
date; this module turns those words (or the whole message, with a blank pipeline) into a
calendar date relative to the clock's today. Years are inferred: a month and day without a
year means the next such day within the coming ~10 months, else the most recent one.
"""

from __future__ import annotations

import re
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


def parse_date(text: str, today: date) -> date | None:
    """A calendar date from ``text``, or None if it names no date we can be sure of."""
    if not text or not text.strip():
        return None
    lowered = text.lower().strip()
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
