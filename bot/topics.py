"""Every topic the assistant answers, declared once.

A topic is an intent, the action that answers it in the chat, the routing topic whose
channels it offers, its name in the agents' API, its "Did you mean …?" label, the audiences
it serves and the function that composes its answer. The chat's actions
(:mod:`actions.topics`), the agents' lookup (:mod:`bot.lookup`, ``/api/answer``), the
fallback's labels and the OpenAPI enum are all derived from :data:`TOPICS`;
``tests/test_topics.py`` checks that ``domain.yml``, the rules and the spec agree with it.

So the chat and the agents' view give the same answer for the same words, audience and
moment: both call :func:`answer` with the same :class:`Asked`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from sqlalchemy.orm import Session

from bot import i18n
from bot.answers import fallback, help, prior_auth, providers, status
from bot.answers.core import Answer, route_answer
from bot.answers.prior_auth_table import known_on
from bot.clock import Clock
from bot.formatting import checked, day, how_to_reach, sentence
from bot.models import DateRule
from bot.services import mentions, routing, rules, translations

AUDIENCES = ("member", "provider")
#: Intents answered by fixed domain responses or dialogue, not by a store answer.
SMALL_TALK = ("greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "inform")
#: Safety intents: fixed responses (``utter_<intent>``) that need no store and no action server.
SAFETY = ("emergency", "self_harm", "poisoning")
#: "Delete my chat": action_forget_conversation asks the chat channel to delete the tracker.
PRIVACY = ("forget_conversation",)


@dataclass(frozen=True)
class Asked:
    """What the person said that changes the answer, beyond the topic itself."""

    audience: str = "member"
    entities: dict[str, str] = field(default_factory=dict)
    #: The conversation's language (bot.i18n.LANGUAGES): the answer is written in it.
    language: str = "en"


Compose = Callable[[Session, Clock, Asked], Answer]


@dataclass(frozen=True)
class Topic:
    key: str
    intent: str
    route: str
    label: str
    compose: Compose
    audiences: tuple[str, ...] = AUDIENCES
    #: The chat answers with a form rather than one action (prior authorization).
    form: str | None = None
    #: An action of its own (the fallback asks "Did you mean …?" before answering).
    custom_action: str | None = None

    @property
    def action(self) -> str:
        return self.custom_action or "action_" + self.intent.removeprefix("ask_")

    @property
    def generated(self) -> bool:
        """Whether the chat answers it with a plain action made from this definition."""
        return self.form is None and self.custom_action is None


def _simple(fn: Callable[[Session, Clock, str], Answer]) -> Compose:
    return lambda session, clock, asked: fn(session, clock, asked.audience)


def _status(session: Session, clock: Clock, asked: Asked) -> Answer:
    detail = asked.entities.get("detail") == "affected"
    return status.outage_status(session, clock, asked.audience, detail=detail)


def _carelon(session: Session, clock: Clock, asked: Asked) -> Answer:
    """The "Apologies" fix is for rehabilitation requests; imaging in Carelon works as usual."""
    if asked.entities.get("service_category") == "advanced_imaging":
        case = prior_auth.PriorAuthCase(category="advanced_imaging", audience=asked.audience)
        return prior_auth.answer(session, clock, case)
    return providers.carelon_portal_error(session, clock, asked.audience)


def _therapy(session: Session, clock: Clock, asked: Asked) -> Answer:
    """Therapy is a prior-auth case: decided by the table when the words settle it."""
    case = _case(asked, clock, category="outpatient_therapy")
    if not prior_auth.missing(case, session):
        return prior_auth.answer(session, clock, case)
    return providers.therapy_prior_auth(session, clock, asked.audience, case.service_date)


def _case(asked: Asked, clock: Clock, category: str | None = None) -> prior_auth.PriorAuthCase:
    said = {**asked.entities, "audience": asked.audience}
    return prior_auth.case_of(said, clock.today(), category=category)


def _prior_auth(session: Session, clock: Clock, asked: Asked) -> Answer:
    """The decided answer when the words settle the case; otherwise the rules in force."""
    case = _case(asked, clock)
    if case.category and not prior_auth.missing(case, session):
        return prior_auth.answer(session, clock, case)
    return prior_auth_overview(session, clock, asked.audience)


def _window(rule: DateRule) -> str:
    if rule.starts_on and rule.ends_on:
        text = i18n.t("{start} through {end}")
        return text.format(start=day(rule.starts_on), end=day(rule.ends_on))
    if rule.starts_on:
        return i18n.t("from {start}").format(start=day(rule.starts_on))
    return i18n.t("in force")


def prior_auth_overview(session: Session, clock: Clock, audience: str = "member") -> Answer:
    """Prior-auth rules in force today, for a lookup without the form's questions."""
    today = clock.today()
    lead = []
    for key in ("prior_auth_waiver", "prior_auth_vendor_portals", "urgent_oon_prior_auth"):
        rule = rules.find_rule(session, key)
        if rule is not None and known_on(rule, today) and rule.applies_on(today):
            title = translations.prose(rule, "title")
            lead.append(i18n.t("{title} ({window}).").format(title=title, window=_window(rule)))
    if not lead:
        text = i18n.t("No special prior authorization rules apply on {date}.")
        lead.append(text.format(date=day(today)))
    return route_answer(
        session,
        clock,
        "prior_auth",
        audience,
        "prior_auth_overview_intro",
        "Tell me the service, its date and whether the provider is in network for a specific "
        "answer. Meanwhile, {action}",
        lead=lead,
    )


TOPICS: tuple[Topic, ...] = (
    Topic(
        "outage_status",
        "ask_outage_status",
        "general",
        i18n.t("what's down right now", i18n.ENGLISH),
        _status,
    ),
    Topic(
        "data_impact",
        "ask_data_impact",
        "general",
        i18n.t("whether your health data was affected", i18n.ENGLISH),
        _simple(status.data_impact),
    ),
    Topic(
        "pharmacy",
        "ask_pharmacy_help",
        "pharmacy",
        i18n.t("help with prescriptions (pharmacy line)", i18n.ENGLISH),
        _simple(help.pharmacy),
    ),
    Topic(
        "part_d",
        "ask_part_d_help",
        "part_d",
        i18n.t("Medicare Part D help", i18n.ENGLISH),
        _simple(help.part_d),
    ),
    Topic(
        "prior_auth",
        "ask_prior_auth",
        "prior_auth",
        i18n.t("prior authorization", i18n.ENGLISH),
        _prior_auth,
        form="prior_auth_form",
        custom_action="action_start_prior_auth",
    ),
    Topic(
        "claims",
        "ask_claims_benefits",
        "claims",
        i18n.t("seeing your claims or benefits", i18n.ENGLISH),
        _simple(help.claims),
    ),
    Topic(
        "portal_registration",
        "ask_portal_registration",
        "portal_registration",
        i18n.t("registering for the Member Resource Center", i18n.ENGLISH),
        _simple(help.portal_registration),
    ),
    Topic(
        "open_enrollment",
        "ask_open_enrollment",
        "enrollment",
        i18n.t("open enrollment", i18n.ENGLISH),
        _simple(help.open_enrollment),
        audiences=("member",),
    ),
    Topic(
        "email_followup",
        "ask_email_followup",
        "contact",
        i18n.t("an email you sent us", i18n.ENGLISH),
        _simple(help.email_followup),
    ),
    Topic(
        "premium_payment",
        "ask_premium_payment",
        "payment",
        i18n.t("paying your premium", i18n.ENGLISH),
        _simple(help.premium_payment),
        audiences=("member",),
    ),
    Topic(
        "contact",
        "ask_contact",
        "contact",
        i18n.t("how to reach a person", i18n.ENGLISH),
        _simple(help.contact),
    ),
    Topic(
        "carelon_portal_error",
        "ask_carelon_portal_error",
        "contact",
        i18n.t("the Carelon portal error", i18n.ENGLISH),
        _carelon,
        audiences=("provider",),
    ),
    Topic(
        "therapy_prior_auth",
        "ask_therapy_prior_auth",
        "therapy_prior_auth",
        i18n.t("therapy prior authorization through Carelon", i18n.ENGLISH),
        _therapy,
    ),
    Topic(
        "out_of_scope",
        "out_of_scope",
        "general",
        i18n.t("something I can't help with", i18n.ENGLISH),
        lambda session, clock, asked: fallback.out_of_scope(
            session, clock, asked.audience, asked.entities.get("organisation")
        ),
    ),
    Topic(
        "nlu_fallback",
        "nlu_fallback",
        "general",
        i18n.t("a message I didn't understand", i18n.ENGLISH),
        _simple(fallback.not_understood),
        custom_action="action_fallback",
    ),
)

BY_INTENT: dict[str, Topic] = {t.intent: t for t in TOPICS}
BY_KEY: dict[str, Topic] = {t.key: t for t in TOPICS}
#: Topics a person can be asked "Did you mean …?" about (not the fallbacks themselves).
SUGGESTIBLE: dict[str, str] = {
    t.intent: t.label for t in TOPICS if t.intent not in ("out_of_scope", "nlu_fallback")
}

#: Who each audience is, for an answer given to the other one.
_FOR = {
    "member": i18n.t("For members", i18n.ENGLISH),
    "provider": i18n.t("For providers' offices", i18n.ENGLISH),
}


def answer(session: Session, clock: Clock, topic: Topic, asked: Asked) -> Answer:
    """The answer to ``topic`` for this person; one served to another audience says so.

    A provider asking how premiums are paid gets the members' answer, introduced as such,
    rather than an answer routed through channels that don't handle payments.
    """
    audience = asked.audience if asked.audience in AUDIENCES else "member"
    served = audience if audience in topic.audiences else topic.audiences[0]

    def compose() -> Answer:
        result = topic.compose(session, clock, replace(asked, audience=served))
        if served != audience:
            result.text = f"{i18n.t(_FOR[served])}: {result.text}"
        result.text = _with_pharmacy_line(session, clock, topic, asked, audience, result.text)
        return result

    result = in_language(session, asked.language, compose)
    result.topic = topic.key
    result.audience = audience
    return result


def in_language(session: Session, language: str, compose: Callable[[], Answer]) -> Answer:
    """``compose()`` written in ``language``, the one way every answer is finished.

    Untranslated stored prose it had to show is noted once, at the end, in that language;
    stored prose never gives the number of a channel that is down (the last check, in one
    place for every view).
    """
    with i18n.speaking(translations.speaking_state(session, language)) as spoken:
        result = compose()
        note = i18n.untranslated_note()
        if note:
            result.text = f"{result.text} {note}"
        result.text = mentions.present(session, result.text)
        result.language = spoken.language
    return result


#: Topics whose own answer already routes a prescription question.
_ROUTES_PRESCRIPTIONS = {"pharmacy", "part_d", "prior_auth"}


def _about_part_d(asked: Asked) -> bool:
    plan = asked.entities.get("drug_plan")
    return plan == "part_d" or (
        plan == "medicare" and asked.entities.get("service_category") == "pharmacy"
    )


def pharmacy_line(session: Session, asked: Asked, audience: str) -> str | None:
    """ "For prescriptions, call …" when the message is about a prescription and a route works
    ("For Medicare Part D, call …" when it is about a Medicare drug plan)."""
    if _about_part_d(asked):
        text, topic = i18n.t("For Medicare Part D, {action}"), "part_d"
    elif asked.entities.get("service_category") == "pharmacy":
        text, topic = i18n.t("For prescriptions, {action}"), "pharmacy"
    else:
        return None
    usable = routing.offer(session, BY_KEY[topic].route, audience).usable
    return sentence(text.format(action=how_to_reach(usable[0]))) if usable else None


def _with_pharmacy_line(
    session: Session, clock: Clock, topic: Topic, asked: Asked, audience: str, text: str
) -> str:
    """A message about a prescription gets the working pharmacy route, whatever its topic;
    one about a Medicare drug plan, the Part D line.

    "CVS couldn't run my card, are your systems down?" is an outage question, but the person
    needs the pharmacy line too; a Part D member sent to the pharmacy answer needs Part D's.
    """
    routed = topic.key in _ROUTES_PRESCRIPTIONS and not (
        _about_part_d(asked) and topic.key != "part_d"
    )
    line = None if routed else pharmacy_line(session, asked, audience)
    if line is None or line in text:
        return text
    stamp = checked(clock)
    if text.endswith(stamp):  # keep "(Checked …)" last
        return f"{text[: -len(stamp)]}{line} {stamp}"
    return f"{text} {line}"


def for_intent(
    session: Session, clock: Clock, intent: str, asked: Asked | None = None
) -> Answer | None:
    topic = BY_INTENT.get(intent)
    return None if topic is None else answer(session, clock, topic, asked or Asked())
