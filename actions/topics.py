"""One chat action per topic, made from :data:`bot.topics.TOPICS` (nothing declared twice).

Each reads who is asking and what the message said, then asks :func:`bot.topics.answer`,
the same function the agents' lookup uses.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.base import StoreAction, asked_from, entities_of
from bot import topics
from bot.answers import Answer
from bot.clock import Clock


class TopicAction(StoreAction):
    """Answers one topic (abstract, as ``name`` is left open: classes are made below)."""

    topic: topics.Topic

    def answer(self, session: Session, clock: Clock, tracker: Tracker) -> Answer:
        return topics.answer(session, clock, self.topic, asked_from(tracker))


def _class_name(action: str) -> str:
    return "".join(part.title() for part in action.split("_"))


#: Action name → action class, for every topic the chat answers with a plain action.
TOPIC_ACTIONS: dict[str, type[TopicAction]] = {
    t.action: type(
        _class_name(t.action),
        (TopicAction,),
        {"topic": t, "name": lambda self, a=t.action: a, "__module__": __name__},
    )
    for t in topics.TOPICS
    if t.generated
}

# Importable by name too (``from actions.topics import ActionPharmacyHelp``), as if declared.
globals().update({cls.__name__: cls for cls in TOPIC_ACTIONS.values()})


#: A short answer outside any form ("pharmacy number", "MRI next week"): which topic its
#: words point to. Anything else is someone saying who they are, or nothing to act on.
CASE_ENTITIES = {"service_category", "network", "urgency"}
TOPIC_OF_CATEGORY = {
    "pharmacy": "pharmacy",
    "advanced_imaging": "prior_auth",
    "outpatient_therapy": "prior_auth",
    "other": "prior_auth",
}


#: Topics whose answer may ask for a missing detail (network, urgency, service).
CONTINUED_TOPICS = ("prior_auth", "therapy_prior_auth", "pharmacy")


def _asked_before(tracker: Tracker) -> tuple[str, dict[str, str]]:
    """The topic the last real question was about, and what it said: "in network" answers what
    the therapy answer asked ("is the provider in our network?"), so it continues that topic
    with that question's date and service. Bare details (``inform``, this one included) are
    passed over; any other topic ends the search."""
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        parsed = event.get("parse_data") or {}
        intent = str((parsed.get("intent") or {}).get("name"))
        topic = topics.BY_INTENT.get(intent)
        if topic is not None and topic.key in CONTINUED_TOPICS:
            return topic.key, entities_of(parsed)
        if intent != "inform":
            break
    return "prior_auth", {}


class ActionInformOutsideForm(StoreAction):
    """Terse messages are often read as a form answer: answer the topic their words name."""

    def name(self) -> str:
        return "action_inform_outside_form"

    def answer(self, session: Session, clock: Clock, tracker: Tracker) -> Answer:
        """Only reached with a service, network or urgency named (see :meth:`run`)."""
        asked = asked_from(tracker)
        key = TOPIC_OF_CATEGORY.get(asked.entities.get("service_category", ""))
        if key is None:
            key, earlier = _asked_before(tracker)
            asked = replace(asked, entities={**earlier, **asked.entities})
        return topics.answer(session, clock, topics.BY_KEY[key], asked)

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if not (CASE_ENTITIES & set(asked_from(tracker).entities)):
            dispatcher.utter_message(response="utter_acknowledge")
            return []
        return await super().run(dispatcher, tracker, domain)
