"""The prior-authorization policy as one declarative decision table.

Policy (source notices in shared/seeds):

* Pharmacy and advanced imaging always go through their vendors (Vermont Blue Rx portal,
  Carelon portal): the outage waiver never covers them.
* Other in-network services dated inside the waiver window need no prior authorization.
* Out-of-network URGENT services dated inside the urgent window go to the answering
  service (providers call it; members are told their provider's office can).
* Other out-of-network requests follow the regular process (utilization management email).
* Outpatient therapy dated inside the Carelon program goes through Carelon, no more than
  ``max_days_in_advance`` days before the service; therapy outside the program (or while
  the program is not yet announced) is an ordinary service like any other.

The windows come from the store's DateRule rows, read as known on the answer's day: a rule
whose ``params.announced_on`` is after today is unknown and ignored entirely
(:func:`known_on`), so an answer computed at time T uses only facts known at T.

Reading the table: the questions the form asks (category, service date, network, urgency,
audience) are turned into the columns below; the service date becomes "inside"/"outside"
each window and where it falls against the therapy program. Exactly one row matches every
complete combination (the tests enumerate them all). Audience is a column only where it
changes what the person is told to do (out of network); elsewhere the row's wording has a
member and a provider form of the same outcome.

:func:`plan` derives both the answer and the questions still needed from the table: an
unknown question is needed when it is asked on every path of the table's decision tree
(questions in form order, a question asked only where its value changes the outcome) given
what is known. So the first missing question always changes the outcome, and answering
them one by one always ends in exactly one row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from itertools import product
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from bot.models import DateRule
from bot.services import rules

log = logging.getLogger(__name__)

# Values of the questions.
PHARMACY, IMAGING, THERAPY, OTHER = "pharmacy", "advanced_imaging", "outpatient_therapy", "other"
CATEGORIES = (PHARMACY, IMAGING, THERAPY, OTHER)
VENDOR_CATEGORIES = (PHARMACY, IMAGING)
IN_NETWORK, OUT_OF_NETWORK = "in_network", "out_of_network"
NETWORKS = (IN_NETWORK, OUT_OF_NETWORK)
URGENT, NOT_URGENT = "urgent", "not_urgent"
URGENCIES = (URGENT, NOT_URGENT)
MEMBER, PROVIDER = "member", "provider"
AUDIENCES = (MEMBER, PROVIDER)

#: The form's questions (slot names), in the order they are asked.
QUESTIONS = ("service_category", "service_date", "network", "urgency", "audience")

# Where the service date falls against a rule's window.
INSIDE, OUTSIDE = "inside", "outside"
# Where the service date falls against the therapy program (for outpatient therapy).
NOT_IN_PROGRAM, SUBMIT_NOW, TOO_EARLY = "not_in_program", "submit_now", "too_early"

# The date rules the table reads (keys of DateRule rows).
WAIVER_RULE = "prior_auth_waiver"
VENDOR_RULE = "prior_auth_vendor_portals"
URGENT_RULE = "urgent_oon_prior_auth"
THERAPY_RULE = "therapy_carelon"
DEFAULT_ADVANCE_DAYS = 30

ANY = "*"
Cond = str | tuple[str, ...]


@dataclass(frozen=True)
class PriorAuthCase:
    """What the person told us; any field may be missing or odd (treated as unknown)."""

    category: str
    network: str | None = None
    urgent: bool | None = None
    service_date: date | None = None
    audience: str | None = None


@dataclass(frozen=True)
class Outcome:
    """One answer: ``key`` names its wording, ``topic`` the route whose channels are offered."""

    key: str
    topic: str


@dataclass(frozen=True)
class Row:
    category: Cond
    therapy: Cond
    network: Cond
    waiver: Cond
    urgency: Cond
    urgent_window: Cond
    audience: Cond
    outcome: Outcome

    def matches(self, facts: Facts) -> bool:
        return all(
            _holds(getattr(self, column), value) for column, value in facts._asdict().items()
        )


class Facts(NamedTuple):
    """One complete case, in the table's columns."""

    category: str
    therapy: str
    network: str
    waiver: str
    urgency: str
    urgent_window: str
    audience: str


class DateFacts(NamedTuple):
    """Where one service date falls against the date rules known today."""

    waiver: str
    urgent_window: str
    therapy: str


def _holds(cond: Cond, value: str) -> bool:
    return cond == ANY or value == cond or (isinstance(cond, tuple) and value in cond)


VENDOR_PHARMACY = Outcome("pharmacy_vendor", "prior_auth_pharmacy")
VENDOR_IMAGING = Outcome("imaging_vendor", "prior_auth_imaging")
CARELON_NOW = Outcome("therapy_carelon_now", "therapy_prior_auth")
CARELON_TOO_EARLY = Outcome("therapy_carelon_too_early", "therapy_prior_auth")
WAIVED = Outcome("waived", "prior_auth")
REGULAR = Outcome("regular", "prior_auth")
OON_URGENT_PROVIDER = Outcome("urgent_oon_provider", "prior_auth_urgent_oon")
OON_URGENT_MEMBER = Outcome("urgent_oon_member", "prior_auth_urgent_oon")
OON_LATE_PROVIDER = Outcome("urgent_oon_outside_window_provider", "prior_auth_non_urgent_oon")
OON_LATE_MEMBER = Outcome("urgent_oon_outside_window_member", "prior_auth_non_urgent_oon")
OON_REGULAR_PROVIDER = Outcome("non_urgent_oon_provider", "prior_auth_non_urgent_oon")
OON_REGULAR_MEMBER = Outcome("non_urgent_oon_member", "prior_auth_non_urgent_oon")

#: Services that follow the ordinary rules (therapy only outside the Carelon program).
ORDINARY = (THERAPY, OTHER)
# Short names for the table below.
IN_NET, OON = IN_NETWORK, OUT_OF_NETWORK
NOW, EARLY, NOT_IN = SUBMIT_NOW, TOO_EARLY, NOT_IN_PROGRAM

# fmt: off
TABLE: tuple[Row, ...] = (
    #   category  therapy network waiver   urgency     urgent   audience  -> outcome
    #                                                  window
    Row(PHARMACY, ANY,    ANY,    ANY,     ANY,        ANY,     ANY,      VENDOR_PHARMACY),
    Row(IMAGING,  ANY,    ANY,    ANY,     ANY,        ANY,     ANY,      VENDOR_IMAGING),
    Row(THERAPY,  NOW,    ANY,    ANY,     ANY,        ANY,     ANY,      CARELON_NOW),
    Row(THERAPY,  EARLY,  ANY,    ANY,     ANY,        ANY,     ANY,      CARELON_TOO_EARLY),
    Row(ORDINARY, NOT_IN, IN_NET, INSIDE,  ANY,        ANY,     ANY,      WAIVED),
    Row(ORDINARY, NOT_IN, IN_NET, OUTSIDE, ANY,        ANY,     ANY,      REGULAR),
    Row(ORDINARY, NOT_IN, OON,    ANY,     URGENT,     INSIDE,  PROVIDER, OON_URGENT_PROVIDER),
    Row(ORDINARY, NOT_IN, OON,    ANY,     URGENT,     INSIDE,  MEMBER,   OON_URGENT_MEMBER),
    Row(ORDINARY, NOT_IN, OON,    ANY,     URGENT,     OUTSIDE, PROVIDER, OON_LATE_PROVIDER),
    Row(ORDINARY, NOT_IN, OON,    ANY,     URGENT,     OUTSIDE, MEMBER,   OON_LATE_MEMBER),
    Row(ORDINARY, NOT_IN, OON,    ANY,     NOT_URGENT, ANY,     PROVIDER, OON_REGULAR_PROVIDER),
    Row(ORDINARY, NOT_IN, OON,    ANY,     NOT_URGENT, ANY,     MEMBER,   OON_REGULAR_MEMBER),
)
# fmt: on

OUTCOMES: tuple[Outcome, ...] = tuple(row.outcome for row in TABLE)


# --- Facts known on a day -------------------------------------------------------------------


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


@dataclass(frozen=True)
class KnownRule:
    """A snapshot of one DateRule row (usable after its session has closed)."""

    key: str
    starts_on: date | None = None
    ends_on: date | None = None
    params: dict[str, Any] = field(default_factory=dict)
    text: str = ""

    @classmethod
    def of(cls, rule: DateRule) -> KnownRule:
        return cls(
            key=rule.key,
            starts_on=_as_date(rule.starts_on),
            ends_on=_as_date(rule.ends_on),
            params=dict(rule.params) if isinstance(rule.params, dict) else {},
            text=rule.text or "",
        )

    def applies_on(self, day: date) -> bool:
        if self.starts_on is not None and day < self.starts_on:
            return False
        return not (self.ends_on is not None and day > self.ends_on)


AnyRule = DateRule | KnownRule


def params_of(rule: AnyRule) -> dict[str, Any]:
    return rule.params if isinstance(rule.params, dict) else {}


def known_on(rule: AnyRule | None, today: date) -> bool:
    """Whether ``rule`` was known on ``today``: one announced after today is ignored entirely.

    A rule without ``params.announced_on`` is known as soon as it is in the store. An
    ``announced_on`` that is not a date is ignored (with a warning), never an error.
    """
    if rule is None:
        return False
    announced = params_of(rule).get("announced_on")
    if announced is None:
        return True
    when = _as_date(announced)
    if when is None:
        log.warning("rule %r has an announced_on that is not a date; ignoring it", rule.key)
        return True
    return when <= today


def in_force(rule: AnyRule | None, today: date) -> bool:
    """Known on ``today`` and ``today`` inside its window."""
    return rule is not None and known_on(rule, today) and rule.applies_on(today)


@dataclass(frozen=True)
class Dates:
    """The date rules as known on ``today`` (a rule missing or not yet announced is None)."""

    today: date
    waiver: KnownRule | None = None
    vendors: KnownRule | None = None
    urgent: KnownRule | None = None
    therapy: KnownRule | None = None

    @classmethod
    def load(cls, session: Session, today: date) -> Dates:
        found = {rule.key: rule for rule in rules.list_rules(session)}

        def known(key: str) -> KnownRule | None:
            rule = found.get(key)
            return KnownRule.of(rule) if rule is not None and known_on(rule, today) else None

        return cls(
            today=today,
            waiver=known(WAIVER_RULE),
            vendors=known(VENDOR_RULE),
            urgent=known(URGENT_RULE),
            therapy=known(THERAPY_RULE),
        )

    @property
    def advance_days(self) -> int:
        raw = params_of(self.therapy).get("max_days_in_advance") if self.therapy else None
        try:
            days = int(raw) if raw is not None else DEFAULT_ADVANCE_DAYS
        except (TypeError, ValueError):
            return DEFAULT_ADVANCE_DAYS
        return days if days >= 0 else DEFAULT_ADVANCE_DAYS

    def date_facts(self, on: date) -> DateFacts:
        def window(rule: KnownRule | None) -> str:
            return INSIDE if rule is not None and rule.applies_on(on) else OUTSIDE

        if self.therapy is None or not self.therapy.applies_on(on):
            therapy = NOT_IN_PROGRAM
        elif (on - self.today).days > self.advance_days:
            therapy = TOO_EARLY
        else:
            therapy = SUBMIT_NOW
        return DateFacts(window(self.waiver), window(self.urgent), therapy)

    def date_domain(self) -> tuple[DateFacts, ...]:
        """Every DateFacts an unknown service date could turn out to have."""

        def window(rule: KnownRule | None) -> tuple[str, ...]:
            if rule is None:
                return (OUTSIDE,)
            if rule.starts_on is None and rule.ends_on is None:
                return (INSIDE,)
            return (INSIDE, OUTSIDE)

        therapy = (NOT_IN_PROGRAM,) if self.therapy is None else (NOT_IN, NOW, EARLY)
        return tuple(
            DateFacts(*combo)
            for combo in product(window(self.waiver), window(self.urgent), therapy)
        )


# --- The case, cleaned ----------------------------------------------------------------------


class Known(NamedTuple):
    """A case with odd values turned into None (unknown)."""

    category: str | None
    service_date: date | None
    network: str | None
    urgency: str | None
    audience: str | None


def _one_of(value: Any, allowed: tuple[str, ...]) -> str | None:
    return value if isinstance(value, str) and value in allowed else None


def normalize(case: PriorAuthCase) -> Known:
    urgent = case.urgent
    if urgent is True:
        urgency: str | None = URGENT
    elif urgent is False:
        urgency = NOT_URGENT
    else:
        urgency = _one_of(urgent, URGENCIES)
    on = case.service_date
    service_date = on.date() if isinstance(on, datetime) else on if isinstance(on, date) else None
    return Known(
        category=_one_of(case.category, CATEGORIES),
        service_date=service_date,
        network=_one_of(case.network, NETWORKS),
        urgency=urgency,
        audience=_one_of(case.audience, AUDIENCES),
    )


# --- Deciding -------------------------------------------------------------------------------


def facts_of(category: str, dates: DateFacts, network: str, urgency: str, audience: str) -> Facts:
    """The table's columns for one complete answer to the questions."""
    return Facts(
        category=category,
        therapy=dates.therapy if category == THERAPY else NOT_IN_PROGRAM,
        network=network,
        waiver=dates.waiver,
        urgency=urgency,
        urgent_window=dates.urgent_window,
        audience=audience,
    )


def matching_rows(facts: Facts) -> list[Row]:
    return [row for row in TABLE if row.matches(facts)]


def decide(facts: Facts) -> Outcome | None:
    """The outcome of a complete case (None only if the table had a gap or an overlap)."""
    rows = matching_rows(facts)
    return rows[0].outcome if len(rows) == 1 else None


@dataclass(frozen=True)
class Plan:
    """The outcome if what is known decides it; otherwise the questions still needed."""

    outcome: Outcome | None
    missing: tuple[str, ...] = ()


def domains_of(known: Known, dates: Dates) -> tuple[tuple[Any, ...], ...]:
    """Possible answers to each question (one value where it is known)."""
    return (
        (known.category,) if known.category else CATEGORIES,
        (dates.date_facts(known.service_date),) if known.service_date else dates.date_domain(),
        (known.network,) if known.network else NETWORKS,
        (known.urgency,) if known.urgency else URGENCIES,
        (known.audience,) if known.audience else AUDIENCES,
    )


def plan(case: PriorAuthCase, dates: Dates) -> Plan:
    return _plan(domains_of(normalize(case), dates))


@lru_cache(maxsize=4096)
def _plan(domains: tuple[tuple[Any, ...], ...]) -> Plan:
    outcome = {combo: decide(facts_of(*combo)) for combo in product(*domains)}
    results = set(outcome.values())
    if len(results) == 1:
        return Plan(next(iter(results)))
    memo: dict[tuple[tuple[Any, ...], int], bool] = {}

    def matters(prefix: tuple[Any, ...], i: int) -> bool:
        """Whether question ``i`` changes the outcome once the earlier ones are ``prefix``."""
        if (prefix, i) not in memo:
            memo[(prefix, i)] = any(
                len({outcome[(*prefix, value, *rest)] for value in domains[i]}) > 1
                for rest in product(*domains[i + 1 :])
            )
        return memo[(prefix, i)]

    needed = set(range(len(domains)))
    for combo in outcome:
        prefix: tuple[Any, ...] = ()
        asked = set()
        for i, values in enumerate(domains):
            if len(values) > 1 and matters(prefix, i):
                asked.add(i)
                prefix += (combo[i],)
            else:  # not asked here: its value does not matter, so any one stands for all
                prefix += (values[0],)
        needed &= asked
    return Plan(None, tuple(QUESTIONS[i] for i in sorted(needed)))
