"""Detect and redact personal data in member messages and training examples.

Training data is shared, versioned and shipped inside every model, so it must never hold a
member's identifiers. The same detectors guard ``bot nlu check`` and ``bot nlu add`` and
redact what ``bot nlu inbox`` shows. They err on the side of flagging: a false alarm costs a
trainer a rephrase, a miss leaks someone's data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.config import PROJECT_ROOT

DEFAULT_SCENARIO = PROJECT_ROOT / "data" / "scenarios" / "november_2023_outage.yml"

#: Placeholders written in place of each kind of personal data.
PLACEHOLDERS = {
    "email": "<email>",
    "ssn": "<ssn>",
    "date": "<date>",
    "phone": "<phone>",
    "member_id": "<member_id>",
}

#: What a trainer reads when an example is refused.
DESCRIPTIONS = {
    "email": "an email address",
    "ssn": "a social security number",
    "date": "a date of birth",
    "phone": "a phone number that is not one of the plan's own",
    "member_id": "a member-ID-like number",
}

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_SSN = re.compile(r"(?<![\w-])\d{3}[- ]\d{2}[- ]\d{4}(?![\w-])")
_PHONE = re.compile(
    r"(?<![\w-])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?![\w-])"
    r"|(?<![\w-])1?\d{10}(?![\w-])"
    r"|(?<![\w-])\d{3}-\d{4}(?![\w-])"
)
# Three letters + 6-12 digits (the plan's card format), any letters+digits token with 6+
# digits, or a bare run of 8+ digits.
_MEMBER_ID = re.compile(r"\b[A-Za-z]{1,4}-?\d{6,12}\b|(?<![\w-])\d{8,}(?![\w-])")

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE = re.compile(
    r"(?<![\w/.-])(?:"
    r"\d{1,2}[/.-]\d{1,2}(?:[/.-](?P<y1>\d{4}|\d{2}))?"
    r"|(?P<y2>\d{4})-\d{1,2}-\d{1,2}"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+(?P<y3>\d{{4}}))?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+(?P<y4>\d{{4}}))?"
    r")(?![\w/])",
    re.IGNORECASE,
)
_DOB_CUE = re.compile(
    r"\b(?:d\.?o\.?b\.?|date\s+of\s+birth|birth\s*date|birthday|born)\b[^.?!]{0,20}$",
    re.IGNORECASE,
)
#: A full date this long ago is most likely someone's date of birth.
_BIRTH_YEAR_BEFORE = 2010


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int
    text: str

    @property
    def description(self) -> str:
        return DESCRIPTIONS[self.kind]


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def plan_phone_numbers(scenario: Path = DEFAULT_SCENARIO) -> frozenset[str]:
    """The plan's own numbers (10 digits): every number in a channel contact of the scenario."""
    if not scenario.is_file():
        return frozenset()
    data = yaml.safe_load(scenario.read_text(encoding="utf-8")) or {}
    numbers = set()
    for channel in data.get("channels") or []:
        for match in _PHONE.finditer(str(channel.get("contact") or "")):
            numbers.add(digits(match.group())[-10:])
    return frozenset(numbers)


def _is_plan_number(text: str, plan_numbers: Iterable[str]) -> bool:
    found = digits(text)
    if len(found) == 7:  # "493-1947": the local part of one of ours
        return any(number.endswith(found) for number in plan_numbers)
    return found[-10:] in plan_numbers


def _year(match: re.Match[str]) -> int | None:
    raw = next((match.group(g) for g in ("y1", "y2", "y3", "y4") if match.group(g)), None)
    if raw is None:
        return None
    year = int(raw)
    if len(raw) == 2:
        year += 1900 if year > 30 else 2000
    return year


def _birth_dates(text: str) -> Iterable[tuple[int, int]]:
    for match in _DATE.finditer(text):
        year = _year(match)
        cued = _DOB_CUE.search(text[: match.start()]) is not None
        if cued or (year is not None and year < _BIRTH_YEAR_BEFORE):
            yield match.start(), match.end()


def find_personal_data(text: str, plan_numbers: Iterable[str] = ()) -> list[Finding]:
    """Non-overlapping findings, in text order; the plan's own phone numbers are allowed."""
    plan = frozenset(plan_numbers)
    spans: list[tuple[str, int, int]] = []
    spans += [("email", m.start(), m.end()) for m in _EMAIL.finditer(text)]
    spans += [("ssn", m.start(), m.end()) for m in _SSN.finditer(text)]
    spans += [("date", start, end) for start, end in _birth_dates(text)]
    taken: list[tuple[int, int]] = []  # the plan's own numbers stay, and shield their digits
    for m in _PHONE.finditer(text):
        if _is_plan_number(m.group(), plan):
            taken.append((m.start(), m.end()))
        else:
            spans.append(("phone", m.start(), m.end()))
    spans += [("member_id", m.start(), m.end()) for m in _MEMBER_ID.finditer(text)]
    findings = []
    for kind, start, end in spans:  # earlier kinds win an overlap
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        taken.append((start, end))
        findings.append(Finding(kind, start, end, text[start:end]))
    return sorted(findings, key=lambda f: f.start)


def redact(text: str, plan_numbers: Iterable[str] = ()) -> str:
    """Replace each finding with its placeholder (``<phone>``, ``<email>`` …)."""
    out = text
    for finding in reversed(find_personal_data(text, plan_numbers)):
        out = out[: finding.start] + PLACEHOLDERS[finding.kind] + out[finding.end :]
    return out
