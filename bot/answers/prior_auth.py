"""Prior authorization: what applies to this service, on this date, for this person.

The decision is the table in :mod:`bot.answers.prior_auth_table`; this module turns its
outcome into words. Each answer leads with the action (who to call, where to go) and offers
channels through ``route_answer``, which never offers a down channel. The windows come from
the date rules in the store as known today, so staff can change dates without code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot import formatting, i18n
from bot.answers.core import Answer, route_answer
from bot.answers.prior_auth_table import (
    AUDIENCES,
    CATEGORIES,
    MEMBER,
    PROVIDER,
    QUESTIONS,
    THERAPY,
    VENDOR_CATEGORIES,
    Dates,
    Known,
    KnownRule,
    Outcome,
    PriorAuthCase,
    in_force,
    known_on,
    normalize,
    params_of,
    plan,
)
from bot.clock import Clock
from bot.dates import parse_date
from bot.formatting import day
from bot.services import routing, texts, translations

__all__ = [
    "AUDIENCES",
    "CATEGORIES",
    "CATEGORY_LABELS",
    "QUESTION_LABELS",
    "VENDOR_CATEGORIES",
    "PriorAuthCase",
    "answer",
    "known_on",
    "missing",
    "therapy_overview",
]

# Labels are English here and translated where they are shown (``i18n.t(label)``);
# ``i18n.t(..., i18n.ENGLISH)`` is the English itself, marked for the catalogue.
CATEGORY_LABELS = {
    "pharmacy": i18n.t("pharmacy and medications", i18n.ENGLISH),
    "advanced_imaging": i18n.t("advanced imaging", i18n.ENGLISH),
    "outpatient_therapy": i18n.t("outpatient therapy", i18n.ENGLISH),
    "other": i18n.t("services", i18n.ENGLISH),
}
QUESTION_LABELS = {
    "service_category": i18n.t(
        "what the service is (pharmacy, advanced imaging, outpatient therapy or something else)",
        i18n.ENGLISH,
    ),
    "service_date": i18n.t("the date of the service", i18n.ENGLISH),
    "network": i18n.t("whether the provider is in our network", i18n.ENGLISH),
    "urgency": i18n.t("whether the request is urgent", i18n.ENGLISH),
    "audience": i18n.t("whether you are a member or a provider", i18n.ENGLISH),
}


def _today_of(session: Session) -> date:
    now = session.info.get("now")
    return now.date() if isinstance(now, datetime) else date.today()


def case_of(
    values: Mapping[str, Any], today: date, *, category: str | None = None
) -> PriorAuthCase:
    """The case from what a person said: form slots, or one message's entities.

    One reading for the chat's form and the topic answers: ``urgency`` becomes a yes/no, a
    date still in words (``service_date`` or ``DATE``: "tomorrow") is read against ``today``.
    """
    raw_date = values.get("service_date") or values.get("DATE")
    urgency = values.get("urgency")
    return PriorAuthCase(
        category=category or values.get("service_category") or "",
        network=values.get("network"),
        urgent=None if urgency is None else urgency == "urgent",
        service_date=parse_date(str(raw_date), today) if raw_date else None,
        audience=values.get("audience"),
    )


def missing(case: PriorAuthCase, session: Session, today: date | None = None) -> list[str]:
    """The questions still to ask, in order: only those whose answer changes the outcome.

    ``today`` defaults to the session's moment (the store's clock), so rules announced
    later are not known yet.
    """
    day_ = today if today is not None else _today_of(session)
    return list(plan(case, Dates.load(session, day_)).missing)


def answer(session: Session, clock: Clock, case: PriorAuthCase) -> Answer:
    dates = Dates.load(session, clock.today())
    decision = plan(case, dates)
    ctx = _Context(session, clock, normalize(case), dates)
    if decision.outcome is None:
        return _ask(ctx, decision.missing)
    return WORDING[decision.outcome.key](ctx, decision.outcome)


def therapy_overview(session: Session, clock: Clock, audience: str = PROVIDER) -> Answer:
    """Outpatient therapy without a service date: the Carelon program if it is known today."""
    dates = Dates.load(session, clock.today())
    case = PriorAuthCase(THERAPY, audience=audience)
    ctx = _Context(session, clock, normalize(case), dates)
    if dates.therapy is None:
        return _ask(ctx, plan(case, dates).missing)
    limit = dates.advance_days
    notes = [_program_sentence(ctx, staff_text=True)]
    if i18n.t("{days} days").format(days=limit) not in notes[0]:
        notes.append(
            i18n.t(
                "Requests can't be submitted more than {days} days before the service date."
            ).format(days=limit)
        )
    return _carelon_route(ctx, "therapy_prior_auth", notes)


# --- Wording --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    session: Session
    clock: Clock
    known: Known
    dates: Dates

    @property
    def today(self) -> date:
        return self.dates.today

    @property
    def audience(self) -> str:
        """The audience to word and route for: an unknown one gets the member wording."""
        return self.known.audience or MEMBER

    @property
    def label(self) -> str:
        return i18n.t(CATEGORY_LABELS.get(self.known.category or "other", CATEGORY_LABELS["other"]))

    @property
    def on(self) -> str:
        return day(self.known.service_date) if self.known.service_date else i18n.t("that date")


def _window(rule: KnownRule) -> str:
    if rule.starts_on and rule.ends_on:
        text = i18n.t("from {start} through {end}")
        return text.format(start=day(rule.starts_on), end=day(rule.ends_on))
    if rule.starts_on:
        return i18n.t("from {start}").format(start=day(rule.starts_on))
    if rule.ends_on:
        return i18n.t("through {end}").format(end=day(rule.ends_on))
    return i18n.t("at any time")


def _covers(rule: KnownRule, today: date) -> str:
    """'covers', or 'will cover' / 'covered' when today is before / after the window."""
    if rule.starts_on is not None and today < rule.starts_on:
        return i18n.t("will cover")
    if rule.ends_on is not None and today > rule.ends_on:
        return i18n.t("covered")
    return i18n.t("covers")


def _rule_text(rule: KnownRule) -> str:
    """A rule's text in the language spoken (a snapshot of the row, so by its key)."""
    return str(i18n.prose("rule", rule.key, "text", rule.text) or "")


def _intro_key(outcome: Outcome, audience: str) -> str:
    if outcome.key.endswith((f"_{MEMBER}", f"_{PROVIDER}")):
        return f"prior_auth_{outcome.key}_intro"
    return f"prior_auth_{outcome.key}_{audience}_intro"


def _join(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return i18n.t("{items} and {last}").format(items=", ".join(items[:-1]), last=items[-1])


def _category_name(category: str) -> str:
    """A category as it reads in a list ('advanced imaging')."""
    if category == "pharmacy":
        return i18n.t("pharmacy")
    if category == "advanced_imaging":
        return i18n.t("advanced imaging")
    return category.replace("_", " ")


def _current(rule: KnownRule, today: date) -> bool:
    """Not over yet: a window that ended before today is history, not worth a caveat."""
    return rule.ends_on is None or today <= rule.ends_on


def _program_sentence(ctx: _Context, *, staff_text: bool) -> str:
    """The Carelon therapy program in today's tense (only called once it is known).

    The staff's text narrates the program's history, so it is shown only while the
    program is in force; before that, our own sentence speaks in the future tense.
    """
    rule = ctx.dates.therapy
    assert rule is not None
    if staff_text and in_force(rule, ctx.today) and rule.text:
        return _rule_text(rule)
    # ``params.members`` is stored English that no translation can reach yet: shown (and
    # noted as untranslated) like any other stored prose without a translation.
    stored = params_of(rule).get("members")
    members = i18n.prose("rule", rule.key, "members", stored) if stored else i18n.t("members")
    if rule.starts_on is not None and ctx.today < rule.starts_on:
        text = i18n.t(
            "Review of outpatient therapy for {members} will move to Carelon: "
            "the program starts {start}."
        )
        return text.format(members=members, start=day(rule.starts_on))
    if _current(rule, ctx.today):
        if rule.starts_on:
            text = i18n.t("Review of outpatient therapy for {members} moved to Carelon on {start}.")
            return text.format(members=members, start=day(rule.starts_on))
        return i18n.t("Review of outpatient therapy for {members} moved to Carelon.").format(
            members=members
        )
    text = i18n.t("Review of outpatient therapy for {members} went through Carelon {window}.")
    return text.format(members=members, window=_window(rule))


def _not_in_program_note(ctx: _Context) -> list[str]:
    """For therapy outside a known Carelon program: say that Carelon does not apply."""
    rule = ctx.dates.therapy
    if ctx.known.category != THERAPY or rule is None or ctx.known.service_date is None:
        return []
    text = i18n.t(
        "(The Carelon therapy program {covers} services {window}, so it does not apply to {date}.)"
    )
    return [text.format(covers=_covers(rule, ctx.today), window=_window(rule), date=ctx.on)]


def _ask(ctx: _Context, questions: tuple[str, ...]) -> Answer:
    asked = questions or QUESTIONS
    needed = [i18n.t(QUESTION_LABELS[q]) for q in asked]
    subject = i18n.t("this service") if ctx.known.category is None else ctx.label
    if ctx.known.service_date is not None:
        subject = i18n.t("{subject} on {date}").format(subject=subject, date=ctx.on)
    need = i18n.t("To tell you what applies to {subject}, I need to know {needed}.")
    return route_answer(
        ctx.session,
        ctx.clock,
        "prior_auth",
        ctx.audience,
        f"prior_auth_ask_{ctx.audience}_intro",
        "For help with a specific request, {action}",
        lead=[need.format(subject=subject, needed=_join(needed))],
        notes=_not_in_program_note(ctx),
    )


def _vendor(ctx: _Context, outcome: Outcome) -> Answer:
    notes = []
    vendors = ctx.dates.vendors
    primary_down = routing.offer(ctx.session, outcome.topic, ctx.audience).skipped
    if vendors is not None and in_force(vendors, ctx.today) and not primary_down:
        notes.append(_rule_text(vendors))
    waiver = ctx.dates.waiver
    on = ctx.known.service_date
    if waiver is not None and (waiver.applies_on(ctx.today) or (on and waiver.applies_on(on))):
        notes.append(i18n.t("The outage waiver does not cover {label}.").format(label=ctx.label))
    # route_answer translates its default; t(..., ENGLISH) marks it for the catalogue.
    intro = (
        i18n.t("To request prior authorization for {label}, {action}", i18n.ENGLISH)
        if ctx.audience == PROVIDER
        else i18n.t(
            "Your provider requests prior authorization for {label}. To check on one, {action}",
            i18n.ENGLISH,
        )
    )
    return route_answer(
        ctx.session,
        ctx.clock,
        outcome.topic,
        ctx.audience,
        _intro_key(outcome, ctx.audience),
        intro,
        notes=notes,
        label=ctx.label,
    )


def _carelon_route(ctx: _Context, topic: str, notes: list[str]) -> Answer:
    intro = (
        i18n.t(
            "Request outpatient therapy prior authorization through Carelon: {action}", i18n.ENGLISH
        )
        if ctx.audience == PROVIDER
        else i18n.t(
            "Your therapist's office requests outpatient therapy prior authorization through "
            "Carelon. For questions, {action}",
            i18n.ENGLISH,
        )
    )
    return route_answer(
        ctx.session,
        ctx.clock,
        topic,
        ctx.audience,
        f"prior_auth_therapy_carelon_{ctx.audience}_intro",
        intro,
        notes=notes,
    )


def _carelon(ctx: _Context, outcome: Outcome) -> Answer:
    on = ctx.known.service_date
    assert on is not None  # the table reaches the Carelon rows only with a date
    limit = ctx.dates.advance_days
    provider = ctx.audience == PROVIDER
    if outcome.key == "therapy_carelon_too_early":
        if provider:
            text = i18n.t(
                "For a service on {date}, submit on or after {earliest}: requests can't be "
                "submitted more than {days} days in advance."
            )
        else:
            text = i18n.t(
                "For a service on {date}, your therapist's office can submit on or after "
                "{earliest}: requests can't be submitted more than {days} days in advance."
            )
        earliest = day(on - timedelta(days=limit))
        timing = text.format(date=ctx.on, earliest=earliest, days=limit)
    elif provider:
        timing = i18n.t("For a service on {date}, submit now.").format(date=ctx.on)
    else:
        timing = i18n.t("For a service on {date}, your therapist's office can submit now.").format(
            date=ctx.on
        )
    program = _program_sentence(ctx, staff_text=False)
    return _carelon_route(ctx, outcome.topic, [timing, program])


def _waived(ctx: _Context, outcome: Outcome) -> Answer:
    waiver = ctx.dates.waiver
    assert waiver is not None  # the table reaches WAIVED only with a known waiver
    excluded = _join([_category_name(c) for c in VENDOR_CATEGORIES])
    text = texts.render(
        ctx.session,
        _intro_key(outcome, ctx.audience),
        "No prior authorization is needed for in-network {label} on {date}: the outage waiver "
        "{covers} in-network services {window}, except {excluded}.",
        label=ctx.label,
        date=ctx.on,
        covers=_covers(waiver, ctx.today),
        window=_window(waiver),
        excluded=excluded,
    )
    text = " ".join([text, *_not_in_program_note(ctx)])
    return Answer(text=text, topic=outcome.topic, audience=ctx.audience)


def _regular(ctx: _Context, outcome: Outcome) -> Answer:
    notes = []
    waiver = ctx.dates.waiver
    if waiver is not None and _current(waiver, ctx.today):
        text = i18n.t(
            "The outage waiver {covers} in-network services {window}, so it does not apply "
            "to {date}."
        )
        notes.append(
            text.format(covers=_covers(waiver, ctx.today), window=_window(waiver), date=ctx.on)
        )
    notes += _not_in_program_note(ctx)
    intro = (
        i18n.t("The regular process applies: {action}", i18n.ENGLISH)
        if ctx.audience == PROVIDER
        else i18n.t(
            "The regular process applies: your provider's office submits any prior "
            "authorization request. For questions, {action}",
            i18n.ENGLISH,
        )
    )
    return route_answer(
        ctx.session,
        ctx.clock,
        outcome.topic,
        ctx.audience,
        _intro_key(outcome, ctx.audience),
        intro,
        notes=notes,
    )


def _urgent_provider(ctx: _Context, outcome: Outcome) -> Answer:
    return route_answer(
        ctx.session,
        ctx.clock,
        outcome.topic,
        PROVIDER,
        _intro_key(outcome, PROVIDER),
        "For an urgent out-of-network prior authorization, {action}",
        notes=_not_in_program_note(ctx),
    )


def _urgent_member(ctx: _Context, outcome: Outcome) -> Answer:
    # What the provider's office uses, by name only: a member is never given its number.
    usable = routing.offer(ctx.session, outcome.topic, PROVIDER).usable
    if usable and usable[0].kind == "answering_service":
        how = i18n.t(
            "Your provider's office can call our answering service for an urgent "
            "out-of-network prior authorization."
        )
        if usable[0].instructions:
            how = f"{how} {translations.prose(usable[0], 'instructions').strip()}"
    elif usable:
        how = i18n.t(
            "Your provider's office can request an urgent out-of-network prior authorization "
            "through the {name}."
        ).format(name=formatting.name(usable[0]))
    else:
        how = i18n.t("Your provider's office requests urgent out-of-network prior authorizations.")
    return route_answer(
        ctx.session,
        ctx.clock,
        outcome.topic,
        MEMBER,
        _intro_key(outcome, MEMBER),
        "If you have questions, {action}",
        lead=[how],
        notes=_not_in_program_note(ctx),
    )


def _out_of_network(ctx: _Context, outcome: Outcome) -> Answer:
    provider = outcome.key.endswith(PROVIDER)
    late = outcome.key.startswith("urgent_oon_outside_window")
    notes = []
    urgent = ctx.dates.urgent
    if late and urgent is not None and _current(urgent, ctx.today):
        text = i18n.t(
            "The urgent answering service {covers} out-of-network services {window} only."
        )
        notes.append(text.format(covers=_covers(urgent, ctx.today), window=_window(urgent)))
    notes += _not_in_program_note(ctx)
    if provider and late:
        intro = i18n.t(
            "The regular process applies to an urgent out-of-network request for {date}: {action}",
            i18n.ENGLISH,
        )
    elif provider:
        intro = i18n.t(
            "Non-urgent out-of-network requests follow the regular process: {action}", i18n.ENGLISH
        )
    else:
        intro = i18n.t(
            "Out-of-network requests follow the regular process through your provider's "
            "office. For questions, {action}",
            i18n.ENGLISH,
        )
    audience = PROVIDER if provider else MEMBER
    return route_answer(
        ctx.session,
        ctx.clock,
        outcome.topic,
        audience,
        _intro_key(outcome, audience),
        intro,
        alternatives=1 if provider else 0,
        notes=notes,
        date=ctx.on,
    )


Wording = Callable[[_Context, Outcome], Answer]

#: How each outcome of the table is worded (every outcome has one; the tests check).
WORDING: dict[str, Wording] = {
    "pharmacy_vendor": _vendor,
    "imaging_vendor": _vendor,
    "therapy_carelon_now": _carelon,
    "therapy_carelon_too_early": _carelon,
    "waived": _waived,
    "regular": _regular,
    "urgent_oon_provider": _urgent_provider,
    "urgent_oon_member": _urgent_member,
    "urgent_oon_outside_window_provider": _out_of_network,
    "urgent_oon_outside_window_member": _out_of_network,
    "non_urgent_oon_provider": _out_of_network,
    "non_urgent_oon_member": _out_of_network,
}
