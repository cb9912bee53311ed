"""Text that names a channel follows the channel.

Stored prose (incident summaries, working notes, timeline updates, answer texts, date rules)
names channels: "Vermont Blue Rx (877) 493-1947 and the Medicare Part D line are working."
When a channel goes down, that prose must not keep offering it. This module

* finds which channels a text refers to (:func:`find`): a channel's phone number in any
  common format, its web address or email, its name (with or without a parenthetical, in
  any case, "the Member and Provider Resource Centers"), or one of its ``aliases``, all
  derived from the channel rows themselves, never from a list in code;
* reads what the text says about them (:func:`working_claims`: "X is working", "X and Y
  are working", "you can call X"; and the opposite, :func:`down_claims`: "X is down",
  "do not call X");
* renders stored prose for display (:func:`present`): each mention of a down channel loses
  its number or address and is marked, "Vermont Blue Rx (now unavailable)"; text about
  channels that work is returned unchanged;
* refuses to save a text that calls a down channel working (:func:`refuse_down_claims`),
  and records which saved text mentions which channel (:func:`link`,
  :func:`texts_mentioning`, table ``text_mentions``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol, TypeAlias, overload

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot import i18n
from bot.errors import Invalid
from bot.models import (
    AnswerText,
    Channel,
    DateRule,
    Incident,
    IncidentUpdate,
    OutboundMessage,
    TextMention,
    Translation,
)

#: What a mention of a down channel is marked with.
MARK = "(now unavailable)"
#: What the agents' routing table shows instead of a down channel's contact.
UNAVAILABLE = "unavailable"

WORKING, NEUTRAL, STATED_DOWN = 1, 0, -1


class ChannelLike(Protocol):
    """What is read of a channel: a :class:`~bot.models.Channel` row, or a stand-in."""

    key: Any
    name: Any
    kind: Any
    contact: Any
    status: Any


Source: TypeAlias = Session | Iterable[ChannelLike]


@dataclass(frozen=True)
class Mention:
    """One place a text refers to a channel.

    ``kind`` says how: ``name`` (its name or an alias), ``phone``, ``web`` (a web address or
    email) or ``contact`` (its whole contact phrase). Names joined as in "the Member and
    Provider Resource Centers" give one mention per channel, with the same span.
    """

    channel_key: str
    found_text: str
    span: tuple[int, int]
    kind: str = "name"


# --- patterns, derived from the rows --------------------------------------------------------------

_NANP = re.compile(
    r"(?<![\w])(?:\+?1[\s.-]?)?\(?([2-9]\d{2})\)?[\s.-]?(\d{3})[\s.-]?(\d{4})(?![\w])"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_DOMAIN = re.compile(
    r"(?<![\w@.-])(?:https?://)?(?:www\.)?((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})(?![\w-])"
)
_PARENTHETICAL = re.compile(r"\s*\([^()]*\)")
#: Words that, right after a shorter name, make it a different kind of channel:
#: "the Vermont Blue Rx portal" is not the Vermont Blue Rx phone line.
_KIND_NOUNS = {
    "portal": {"portal", "web"},
    "portals": {"portal", "web"},
    "website": {"portal", "web"},
    "site": {"portal", "web"},
    "line": {"phone", "answering_service"},
    "lines": {"phone", "answering_service"},
    "number": {"phone", "answering_service"},
    "hotline": {"phone", "answering_service"},
}
_NEXT_WORD = re.compile(r"\s+([A-Za-z]+)")


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    kind: str
    keys: tuple[str, ...]
    #: A lowercase literal the text must contain for the regex to be worth running.
    needle: str
    #: For joined names ("Member and Provider Resource Centers"): each channel's name.
    names: tuple[str, ...] = ()
    #: The channel's kind, when a following kind noun may rule the match out.
    guard: str | None = None
    conjunction: str = ""


@dataclass(frozen=True)
class _Found:
    start: int
    end: int
    kind: str
    keys: tuple[str, ...]
    names: tuple[str, ...] = ()
    conjunction: str = ""


def _words(phrase: str) -> list[str]:
    return phrase.split()


def _phrase_regex(words: Sequence[str]) -> str:
    return r"\s+".join(re.escape(w) for w in words)


def _bounded(body: str, phrase: str) -> str:
    """Word boundaries where the phrase starts or ends with a word character."""
    before = r"(?<![\w])" if phrase[:1].isalnum() else ""
    after = r"(?![\w])" if phrase[-1:].isalnum() else ""
    return before + body + after


def _name_variants(channel: Any) -> list[str]:
    """The name, the name without its parenthetical, and the aliases (no leading 'the')."""
    raw = [str(channel.name or ""), *(_aliases(channel))]
    variants: list[str] = []
    for name in raw:
        for variant in (name, _PARENTHETICAL.sub("", name)):
            variant = re.sub(r"^(?:the)\s+", "", " ".join(variant.split()), flags=re.IGNORECASE)
            if len(variant) >= 3 and variant.lower() not in {v.lower() for v in variants}:
                variants.append(variant)
    return variants


def _aliases(channel: Any) -> list[str]:
    value = getattr(channel, "aliases", None) or []
    return [str(a) for a in value if isinstance(a, str) and a.strip()]


def core_name(channel: Any) -> str:
    """The channel's name without a parenthetical: "Member Resource Center"."""
    return " ".join(_PARENTHETICAL.sub("", str(channel.name)).split()) or str(channel.name)


def _phone_patterns(key: str, contact: str) -> list[_Pattern]:
    patterns = []
    for area, exchange, line in _NANP.findall(contact):
        full = (
            rf"(?<![\w.-])(?:\+?1[\s.-]?)?(?:\({area}\)\s?|{area}[\s.-]?)"
            rf"{exchange}[\s.-]?{line}(?![\w]|[.-]\d)"
        )
        local = rf"(?<![\w.()-])(?<!\d\s)(?<!\)\s){exchange}[\s.-]{line}(?![\w]|[.-]\d)"
        for regex in (full, local):
            patterns.append(_Pattern(re.compile(regex), "phone", (key,), line))
    return patterns


def _web_patterns(key: str, contact: str) -> list[_Pattern]:
    patterns = []
    emails = _EMAIL.findall(contact)
    for email in emails:
        regex = re.compile(rf"(?<![\w.+-]){re.escape(email)}(?![\w-]|\.\w)", re.IGNORECASE)
        patterns.append(_Pattern(regex, "web", (key,), email.lower()))
    without_emails = _EMAIL.sub(" ", contact)
    for domain in _DOMAIN.findall(without_emails):
        host = re.sub(r"^www\.", "", domain, flags=re.IGNORECASE)
        path = r"(?:/[^\s<>\"'()\[\]]*[^\s<>\"'()\[\].,;:!?])?"
        regex = re.compile(
            rf"(?<![\w@.-])(?:https?://)?(?:www\.)?{re.escape(host)}{path}/?(?![\w-]|\.\w)",
            re.IGNORECASE,
        )
        patterns.append(_Pattern(regex, "web", (key,), host.lower()))
    return patterns


def _contact_pattern(key: str, contact: str) -> list[_Pattern]:
    """A contact written as words ("mail a check to …"): the whole phrase, if it is long."""
    words = _words(contact.rstrip(".").strip())
    if len(words) < 4 or _NANP.search(contact) or _EMAIL.search(contact):
        return []
    if _DOMAIN.search(contact):
        return []
    regex = re.compile(_bounded(_phrase_regex(words), " ".join(words)), re.IGNORECASE)
    return [_Pattern(regex, "contact", (key,), words[-1].lower())]


def _name_pattern(key: str, kind: str, variant: str) -> _Pattern:
    words = _words(variant)
    plural = "s?" if words[-1][-1:].isalpha() else ""
    regex = re.compile(_bounded(_phrase_regex(words) + plural, variant), re.IGNORECASE)
    return _Pattern(regex, "name", (key,), words[0].lower(), guard=kind)


def _joined_patterns(rows: Sequence[Any]) -> list[_Pattern]:
    """ "the Member and Provider Resource Centers": two names sharing their last words."""
    patterns: list[_Pattern] = []
    variants = [(row.key, v) for row in rows for v in _name_variants(row)]
    seen: set[tuple[str, str, str]] = set()
    for key_a, name_a in variants:
        words_a = _words(name_a)
        for key_b, name_b in variants:
            if key_a == key_b:
                continue
            words_b = _words(name_b)
            shared = 0
            while (
                shared < min(len(words_a), len(words_b)) - 1
                and words_a[-1 - shared].lower() == words_b[-1 - shared].lower()
            ):
                shared += 1
            if shared == 0:
                continue
            head = words_a[len(words_a) - shared :]
            first, second = words_a[: len(words_a) - shared], words_b[: len(words_b) - shared]
            marker = (key_a, key_b, " ".join(head).lower())
            if marker in seen:
                continue
            seen.add(marker)
            body = (
                _phrase_regex(first)
                + r"\s*(,|and|or|&)\s*(?:the\s+)?"
                + _phrase_regex(second)
                + r"\s+"
                + _phrase_regex(head)
                + "s?"
            )
            regex = re.compile(_bounded(body, name_a), re.IGNORECASE)
            patterns.append(
                _Pattern(
                    regex,
                    "name",
                    (key_a, key_b),
                    head[-1].lower(),
                    names=(" ".join([*first, *head]), " ".join([*second, *head])),
                )
            )
    return patterns


@dataclass(frozen=True)
class _Matcher:
    patterns: tuple[_Pattern, ...]
    names: dict[str, str]
    prefixes: dict[str, tuple[tuple[str, ...], ...]]

    def find(self, text: str) -> list[_Found]:
        lowered = text.lower()
        candidates: list[_Found] = []
        for pattern in self.patterns:
            if pattern.needle not in lowered:
                continue
            for match in pattern.regex.finditer(text):
                if pattern.guard is not None and _other_kind_follows(text, match, pattern.guard):
                    continue
                conjunction = ""
                if pattern.names and match.lastindex:
                    conjunction = match.group(1)
                candidates.append(
                    _Found(
                        match.start(),
                        match.end(),
                        pattern.kind,
                        pattern.keys,
                        pattern.names,
                        conjunction,
                    )
                )
        found = _resolve(candidates)
        return _resolve([*found, *self._names_before_contacts(text, found)])

    def _names_before_contacts(self, text: str, found: list[_Found]) -> list[_Found]:
        """ "Vermont Blue Rx (877) 493-1947": the words before a number, if they begin the
        channel's name, name it too (no alias needed)."""
        extra = []
        taken_until = 0
        for item in found:
            if item.kind == "name" or len(item.keys) != 1:
                taken_until = item.end
                continue
            before = text[taken_until : item.start]
            gap = _GAP_BEFORE.search(before)
            if gap is None:
                continue
            head = before[: gap.start()]
            for words in self.prefixes.get(item.keys[0], ()):
                match = re.search(
                    r"(?<![\w])" + _phrase_regex(words) + r"$", head, flags=re.IGNORECASE
                )
                if match:
                    start = taken_until + match.start()
                    extra.append(_Found(start, taken_until + match.end(), "name", item.keys))
                    break
            taken_until = item.end
        return extra


_GAP_BEFORE = re.compile(r"\s*(?:,|:|-|–|—|\bat\b|\bon\b)?\s*\(?\s*$", re.IGNORECASE)


def _other_kind_follows(text: str, match: re.Match[str], kind: str) -> bool:
    following = _NEXT_WORD.match(text, match.end())
    if following is None:
        return False
    kinds = _KIND_NOUNS.get(following.group(1).lower())
    return kinds is not None and kind not in kinds


def _resolve(candidates: list[_Found]) -> list[_Found]:
    """Leftmost-longest, without overlaps; equal spans naming different channels merge."""
    ordered = sorted(candidates, key=lambda f: (f.start, -(f.end - f.start), f.kind != "name"))
    result: list[_Found] = []
    for item in ordered:
        if result and (item.start, item.end) == (result[-1].start, result[-1].end):
            last = result[-1]
            if item.kind == last.kind and not last.names and not item.names:
                keys = tuple(dict.fromkeys([*last.keys, *item.keys]))
                result[-1] = _Found(last.start, last.end, last.kind, keys)
            continue
        if result and item.start < result[-1].end:
            continue
        result.append(item)
    return result


def _signature(rows: Iterable[Any]) -> tuple[tuple[str, str, str, str, tuple[str, ...]], ...]:
    return tuple(
        sorted(
            (
                str(r.key),
                str(r.name or ""),
                str(r.kind or ""),
                str(r.contact or ""),
                tuple(_aliases(r)),
            )
            for r in rows
        )
    )


@dataclass(frozen=True)
class _Row:
    key: str
    name: str
    kind: str
    contact: str
    aliases: tuple[str, ...] = field(default_factory=tuple)


@lru_cache(maxsize=32)
def _compile(signature: tuple[tuple[str, str, str, str, tuple[str, ...]], ...]) -> _Matcher:
    rows = [_Row(k, n, kind, c, a) for k, n, kind, c, a in signature]
    patterns: list[_Pattern] = []
    prefixes: dict[str, tuple[tuple[str, ...], ...]] = {}
    for row in rows:
        for variant in _name_variants(row):
            patterns.append(_name_pattern(row.key, row.kind, variant))
        patterns += _phone_patterns(row.key, row.contact)
        patterns += _web_patterns(row.key, row.contact)
        patterns += _contact_pattern(row.key, row.contact)
        words = _words(core_name(row))
        prefixes[row.key] = tuple(tuple(words[:n]) for n in range(len(words) - 1, 1, -1))
    patterns += _joined_patterns(rows)
    return _Matcher(tuple(patterns), {r.key: core_name(r) for r in rows}, prefixes)


def _rows(source: Source) -> list[Any]:
    if isinstance(source, Session):
        # No autoflush: a service may ask while its row is still half filled in.
        with source.no_autoflush:
            return list(source.scalars(select(Channel).order_by(Channel.key)))
    return list(source)


def _mentions(found: list[_Found], text: str) -> list[Mention]:
    return [
        Mention(key, text[f.start : f.end], (f.start, f.end), f.kind)
        for f in found
        for key in f.keys
    ]


def find(channels: Source, text: str | None) -> list[Mention]:
    """Every place ``text`` refers to one of ``channels``, in order."""
    if not text:
        return []
    rows = _rows(channels)
    return _mentions(_compile(_signature(rows)).find(text), text)


# --- what the text says about them ---------------------------------------------------------------

_COPULA = (
    r"is|are|was|were|remains?|stays?|has\s+been|have\s+been|has\s+come|have\s+come"
    r"|isn[’']t|aren[’']t|wasn[’']t|weren[’']t|hasn[’']t\s+been|haven[’']t\s+been"
)
_ADVERBS = (
    r"still|now|currently|also|both|all|fully|again|temporarily|partially|once\s+again"
    r"|not|no\s+longer|never|completely|entirely"
)
_UP_STATES = (
    r"up\s+and\s+running|back\s+up|back\s+online|in\s+service|working|available|operational"
    r"|online|open|running|functioning|operating|unaffected|restored|back|up(?!\s+to\b)"
    r"|fine|ok|okay"
)
_DOWN_STATES = (
    r"out\s+of\s+service|taken\s+offline|taken\s+down|not\s+available|unavailable|offline"
    r"|off-line|down|closed|broken|disrupted|interrupted|unreachable|suspended|affected"
    r"|out|failing|failed"
)
_STATE = re.compile(rf"(?:{_UP_STATES})\b", re.IGNORECASE)
_COPULAR = re.compile(
    rf"\b(?P<cop>{_COPULA})(?P<mid>(?:\s+(?:{_ADVERBS}))*)\s+(?P<state>{_DOWN_STATES}|{_UP_STATES})\b",
    re.IGNORECASE,
)
_WORKS = re.compile(
    r"\b(?P<neg>(?:does|do|did)\s+not\s+|(?:does|do|did)n[’']t\s+|no\s+longer\s+|never\s+)?"
    r"(?:still\s+)?(?:works|work|worked|functions|operates)\b",
    re.IGNORECASE,
)
_PROCEEDING = re.compile(
    r"\b(?:proceed|proceeds|proceeding|continue|continues|continuing)\s+(?:to\s+work\s+)?"
    r"(?:without|with\s+no)\s+(?:any\s+)?(?:disruption|interruption|problems?|issues?)",
    re.IGNORECASE,
)
_DIRECTIVE = re.compile(
    r"\b(?:call|calling|use|using|reach|contact|dial|visit|try|go\s+to|log\s+in\s+to"
    r"|log\s+into|submit\s+(?:it\s+|them\s+|requests\s+)?(?:in|through|via|to|on)"
    r"|send\s+(?:it\s+|them\s+|us\s+(?:a\s+)?(?:\w+\s+)?(?:message\s+)?)?(?:to|through|via)"
    r"|pay\s+(?:at|on|through|via))\b",
    re.IGNORECASE,
)
_HEADING = re.compile(
    r"^\W*(?P<neg>not\s+|no\s+longer\s+)?(?:still\s+)?(?P<state>working|available|open|up"
    r"|down|unavailable|closed|offline)(?:\s+(?:right\s+)?now|\s+today|\s+again)?\s*:",
    re.IGNORECASE,
)
_NEGATION = re.compile(
    r"\b(?:not|never|no\s+longer|cannot|unable|avoid|instead\s+of|rather\s+than|stop)\b"
    r"|n[’']t\b",
    re.IGNORECASE,
)
_CONDITION = re.compile(r"\b(?:if|whether|when|unless)\b", re.IGNORECASE)
_CLAUSE_END = re.compile(
    r"[.!?](?=\s|$)|;|\n\s*\n|\s[–—-]\s"
    r"|,?\s+\b(?:but|however|although|though|whereas|while|because|since|so|unless|until"
    r"|except|instead|yet)\b",
    re.IGNORECASE,
)
_MASK = "\u2588"


@dataclass(frozen=True)
class _Predicate:
    start: int
    end: int
    polarity: int
    #: "before": says something of the mentions before it ("X is working");
    #: "after": of those after it ("call X", "Working: X").
    reach: str


def _predicates(clause: str, offset: int) -> list[_Predicate]:
    found: list[_Predicate] = []
    heading = _HEADING.match(clause)
    if heading:
        up = heading.group("state").lower() in {"working", "available", "open", "up"}
        polarity = WORKING if up != bool(heading.group("neg")) else STATED_DOWN
        found.append(_Predicate(offset, offset + heading.end(), polarity, "after"))
    for match in _COPULAR.finditer(clause):
        if heading and match.start() < heading.end():
            continue
        up = _STATE.fullmatch(match.group("state")) is not None
        negated = bool(_NEGATION.search(match.group("cop") + match.group("mid")))
        polarity = WORKING if up != negated else STATED_DOWN
        found.append(_Predicate(offset + match.start(), offset + match.end(), polarity, "before"))
    for match in _WORKS.finditer(clause):
        polarity = STATED_DOWN if match.group("neg") else WORKING
        found.append(_Predicate(offset + match.start(), offset + match.end(), polarity, "before"))
    for match in _PROCEEDING.finditer(clause):
        found.append(_Predicate(offset + match.start(), offset + match.end(), WORKING, "before"))
    for match in _DIRECTIVE.finditer(clause):
        if any(p.start <= offset + match.start() < p.end for p in found):
            continue
        # Only the words since the last comma or the last predicate qualify the verb.
        floor = max(
            [clause.rfind(",", 0, match.start()) + 1]
            + [p.end - offset for p in found if p.end - offset <= match.start()]
        )
        window = clause[floor : match.start()]
        if _NEGATION.search(window):
            polarity = STATED_DOWN
        elif _CONDITION.search(window):
            polarity = NEUTRAL
        else:
            polarity = WORKING
        found.append(_Predicate(offset + match.start(), offset + match.end(), polarity, "after"))
    found.sort(key=lambda p: p.start)
    kept: list[_Predicate] = []
    for predicate in found:
        if kept and predicate.start < kept[-1].end:
            continue
        kept.append(predicate)
    return kept


def _clauses(masked: str) -> list[tuple[int, int, str]]:
    """Clause spans, each with what ended it (";" matters: it continues a list)."""
    spans, start = [], 0
    for match in _CLAUSE_END.finditer(masked):
        spans.append((start, match.start(), match.group(0).strip()))
        start = match.end()
    spans.append((start, len(masked), ""))
    return [(a, b, end) for a, b, end in spans if b > a]


def _polarities(text: str, found: list[_Found]) -> dict[tuple[int, int], set[int]]:
    """What the text says of each mention: working, stated down, or nothing."""
    masked = list(text)
    for item in found:
        masked[item.start : item.end] = _MASK * (item.end - item.start)
    flat = "".join(masked)
    said: dict[tuple[int, int], set[int]] = {(f.start, f.end): set() for f in found}
    heading: _Predicate | None = None  # "Not working: A; B; C." heads every item
    for clause_start, clause_end, ended_by in _clauses(flat):
        predicates = _predicates(flat[clause_start:clause_end], clause_start)
        inside = [f for f in found if clause_start <= f.start and f.end <= clause_end]
        if predicates and predicates[0].reach == "after" and predicates[0].start == clause_start:
            heading = predicates[0]
        elif not predicates and heading is not None:
            predicates = [_Predicate(clause_start, clause_start, heading.polarity, "after")]
        else:
            heading = None
        if ended_by != ";":
            heading = None
        for index, predicate in enumerate(predicates):
            if predicate.reach == "before":
                floor = predicates[index - 1].end if index else clause_start
                if index and predicates[index - 1].reach == "after":
                    # "If you can't reach X, Y is working": the comma ends the object of the
                    # verb before; the subject of this predicate comes after it.
                    comma = flat.rfind(",", floor, predicate.start)
                    floor = comma + 1 if comma >= 0 else floor
                targets = [f for f in inside if floor <= f.start and f.end <= predicate.start]
            else:
                ceiling = predicates[index + 1].start if index + 1 < len(predicates) else clause_end
                if index + 1 < len(predicates) and predicates[index + 1].reach == "before":
                    comma = flat.rfind(",", predicate.end, ceiling)
                    ceiling = comma if comma >= 0 else ceiling
                targets = [f for f in inside if predicate.end <= f.start and f.end <= ceiling]
            for item in targets:
                said[(item.start, item.end)].add(predicate.polarity)
        for item in inside:
            # A contact written as an instruction ("use the Carelon provider portal") tells
            # people to use it, unless the words before it say not to.
            if item.kind == "contact" and _DIRECTIVE.match(text, item.start):
                floor = max(
                    [clause_start, flat.rfind(",", clause_start, item.start) + 1]
                    + [p.end for p in predicates if p.end <= item.start]
                )
                window = flat[floor : item.start]
                if _NEGATION.search(window):
                    said[(item.start, item.end)].add(STATED_DOWN)
                elif not _CONDITION.search(window):
                    said[(item.start, item.end)].add(WORKING)
    for item in found:  # already presented: "X (now unavailable)" is not a claim that X works
        if text.startswith(" " + MARK, item.end):
            said[(item.start, item.end)] = {STATED_DOWN}
    return said


def working_claims(channels: Source, text: str | None) -> list[str]:
    """Keys of the channels ``text`` calls working ("X is working", "X and Y are working",
    "you can call X", "Working: X"), in order; not those it says are down or not to use."""
    return _claimed(channels, text, WORKING)


def down_claims(channels: Source, text: str | None) -> list[str]:
    """Keys of the channels ``text`` says are down or not to use ("X is not available right
    now", "Not working: X", "do not call X", "X (now unavailable)"), in order."""
    return _claimed(channels, text, STATED_DOWN)


def _claimed(channels: Source, text: str | None, polarity: int) -> list[str]:
    if not text:
        return []
    rows = _rows(channels)
    found = _compile(_signature(rows)).find(text)
    said = _polarities(text, found)
    keys: list[str] = []
    for item in found:
        if polarity in said[(item.start, item.end)]:
            keys += [k for k in item.keys if k not in keys]
    return keys


# --- presenting stored prose ---------------------------------------------------------------------

_GAP_AFTER_NAME = re.compile(
    r"\s*(?:(?:,|:|-|–|—|at|on|by\s+phone\s+at|by\s+calling)\s*)?(?P<paren>\()?\s*",
    re.IGNORECASE,
)


def _render(text: str, rows: list[Any], matcher: _Matcher) -> str:
    down = {str(r.key): r for r in rows if r.status == "down"}
    if not down:
        return text
    found = matcher.find(text)
    if not any(k in down for f in found for k in f.keys):
        return text
    said = _polarities(text, found)
    out: list[str] = []
    position = 0
    index = 0
    while index < len(found):
        item = found[index]
        index += 1
        gone = [k for k in item.keys if k in down]
        if not gone:
            continue
        stated_down = said[(item.start, item.end)] == {STATED_DOWN}
        mark = "" if stated_down else " " + i18n.t(MARK)
        end = item.end
        if item.kind == "name":
            if item.names:  # joined names: spell each out, mark the down one(s)
                parts = [
                    name + (mark if key in down else "")
                    for key, name in zip(item.keys, item.names, strict=True)
                ]
                replacement = f" {item.conjunction} ".join(parts)
            else:
                already = text.startswith(" " + i18n.t(MARK), item.end)
                replacement = text[item.start : item.end] + ("" if already else mark)
            following = found[index] if index < len(found) else None
            if (
                following is not None
                and following.kind != "name"
                and set(following.keys) & set(gone)
            ):
                gap = _GAP_AFTER_NAME.fullmatch(text, item.end, following.start)
                if gap is not None:
                    end = following.end
                    if gap.group("paren") and text.startswith(")", end):
                        end += 1
                    elif "," in gap.group(0) and text.startswith(",", end):
                        end += 1
                    index += 1
        else:
            name = matcher.names.get(gone[0], str(down[gone[0]].name))
            replacement = name + mark
            if text[item.start - 1 : item.start] == "(" and text.startswith(")", item.end):
                # "the pharmacy line (877-493-1947)": the words before say which line.
                start = item.start - 1
                while start > position and text[start - 1].isspace():
                    start -= 1
                out.append(text[position:start])
                out.append(mark)
                position = item.end + 1
                continue
        out.append(text[position : item.start])
        out.append(replacement)
        position = end
    out.append(text[position:])
    return "".join(out)


@overload
def present(source: Source, text: str) -> str: ...
@overload
def present(source: Source, text: None) -> None: ...
@overload
def present(source: Source, text: str | None) -> str | None: ...
def present(source: Source, text: str | None) -> str | None:
    """Stored prose as people should read it now.

    Each mention of a channel whose status is "down" loses its number or address and is
    marked: "Vermont Blue Rx (877) 493-1947 and …" reads "Vermont Blue Rx (now unavailable)
    and …" (a mention the text itself says is down keeps its words, without the contact).
    Text about channels that work, or are only degraded, is returned unchanged. Idempotent.
    """
    if not text:
        return text
    return presenter(source)(text)


def presenter(source: Source) -> Callable[[str | None], Any]:
    """:func:`present` with the channels read once, for a view that shows many texts."""
    rows = _rows(source)
    matcher = _compile(_signature(rows))

    def show(text: str | None) -> Any:
        return _render(text, rows, matcher) if text else text

    return show


# --- saving: refuse stale claims, link texts to the channels they name ---------------------------


class ClaimsDownChannel(Invalid):
    """A text to be saved calls a channel working while the store says it is down."""

    def __init__(self, field_name: str, channels: list[Any]) -> None:
        self.channel_keys = [str(c.key) for c in channels]
        named = ", ".join(f"{c.key} ({c.name})" for c in channels)
        it, is_ = ("it", "is") if len(channels) == 1 else ("they", "are")
        super().__init__(
            field_name,
            f"calls {named} working, but {it} {is_} down right now; say {it} {is_} "
            "unavailable, or mark the channel up first",
        )


def refuse_down_claims(source: Source, field_name: str, text: str | None) -> None:
    """Raise :class:`ClaimsDownChannel` if ``text`` calls a down channel working."""
    if not text:
        return
    rows = _rows(source)
    by_key = {str(r.key): r for r in rows}
    stale = [by_key[k] for k in working_claims(rows, text) if by_key[k].status == "down"]
    if stale:
        raise ClaimsDownChannel(field_name, stale)


Owner = Incident | IncidentUpdate | AnswerText | DateRule | OutboundMessage | Translation

_OWNER_COLUMNS: dict[type, str] = {
    Incident: "incident",
    IncidentUpdate: "incident_update",
    AnswerText: "answer_text",
    DateRule: "date_rule",
    OutboundMessage: "outbound_message",
    Translation: "translation",
}


def link(session: Session, owner: Owner, field_name: str, text: str | None) -> list[TextMention]:
    """Record which channels ``owner.<field_name>`` names, replacing what was recorded."""
    column = _OWNER_COLUMNS[type(owner)]
    with session.no_autoflush:
        return _link(session, owner, column, field_name, text)


def _link(
    session: Session, owner: Owner, column: str, field_name: str, text: str | None
) -> list[TextMention]:
    if owner.id is not None:
        session.execute(
            delete(TextMention)
            .where(getattr(TextMention, f"{column}_id") == owner.id)
            .where(TextMention.field == field_name)
            .execution_options(synchronize_session=False)
        )
    for pending in [m for m in session.new if isinstance(m, TextMention)]:
        if getattr(pending, column) is owner and pending.field == field_name:
            session.expunge(pending)
    channels = {str(c.key): c for c in _rows(session)}
    rows = []
    for mention in find(list(channels.values()), text):
        row = TextMention(
            channel=channels[mention.channel_key],
            field=field_name,
            found_text=mention.found_text,
            span_start=mention.span[0],
            span_end=mention.span[1],
        )
        setattr(row, column, owner)
        session.add(row)
        rows.append(row)
    return rows


#: The linked text fields of each owner.
LINKED_FIELDS: dict[type, tuple[str, ...]] = {
    Incident: ("summary", "working_note"),
    IncidentUpdate: ("body",),
    AnswerText: ("text",),
    DateRule: ("text",),
    OutboundMessage: ("text",),
    Translation: ("text",),
}


def relink_all(session: Session) -> int:
    """Link every stored text afresh (after a channel's name, contact or aliases changed)."""
    session.flush()
    session.execute(delete(TextMention).execution_options(synchronize_session=False))
    for pending in [m for m in session.new if isinstance(m, TextMention)]:
        session.expunge(pending)
    count = 0
    from bot.services.translations import linked

    for model, fields in LINKED_FIELDS.items():
        for owner in session.scalars(select(model)):
            if isinstance(owner, Translation) and not linked(owner):
                continue
            for name in fields:
                count += len(link(session, owner, name, getattr(owner, name)))
    return count


@dataclass(frozen=True)
class LinkedText:
    """A stored text that names a channel: ``source`` is incident, incident_update,
    answer_text, date_rule, outbound_message or translation; ``owner`` the incident, text,
    rule, message or translation key."""

    source: str
    owner: str
    field: str
    text: str
    found: tuple[str, ...]


def texts_mentioning(session: Session, channel_key: str) -> list[LinkedText]:
    """Every stored text linked to the channel, one entry per text field."""
    session.flush()
    rows = session.scalars(
        select(TextMention)
        .join(Channel, TextMention.channel_id == Channel.id)
        .where(Channel.key == channel_key)
        .order_by(TextMention.id)
    )
    grouped: dict[tuple[str, int, str], list[TextMention]] = {}
    for row in rows:
        for column in _OWNER_COLUMNS.values():
            owner_id = getattr(row, f"{column}_id")
            if owner_id is not None:
                grouped.setdefault((column, owner_id, row.field), []).append(row)
    result = []
    for (column, _owner_id, field_name), found in grouped.items():
        owner: Any = getattr(found[0], column)
        name = owner.incident.key if isinstance(owner, IncidentUpdate) else owner.key
        result.append(
            LinkedText(
                source=column,
                owner=str(name),
                field=field_name,
                text=str(getattr(owner, field_name) or ""),
                found=tuple(m.found_text for m in found),
            )
        )
    return result
