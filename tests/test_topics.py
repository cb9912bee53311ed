"""Each topic is declared once (bot/topics.py); everything else must agree with it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from helpers import run_action, tracker_for

from actions.topics import TOPIC_ACTIONS
from bot import entities, lookup, safety, topics
from bot.db import Store
from bot.services import channels
from bot.web.lookup import ANSWERS

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())


def _rules() -> list[dict]:
    found = []
    for path in sorted((ROOT / "data" / "rules").glob("*.yml")):
        found.extend(yaml.safe_load(path.read_text()).get("rules") or [])
    return found


def test_every_domain_intent_has_exactly_one_definition() -> None:
    declared = [t.intent for t in topics.TOPICS] + list(topics.SMALL_TALK) + list(topics.SAFETY)
    declared += list(topics.PRIVACY)
    assert len(declared) == len(set(declared)), "an intent is declared twice"
    assert sorted(DOMAIN["intents"]) == sorted(declared)
    assert set(topics.SAFETY) == set(safety.INTENTS)


def test_every_topic_has_one_action_in_the_domain_and_the_action_server() -> None:
    domain_actions = set(DOMAIN["actions"])
    for topic in topics.TOPICS:
        assert topic.action in domain_actions, topic.key
        if topic.generated:
            assert TOPIC_ACTIONS[topic.action]().name() == topic.action
    generated = {t.action for t in topics.TOPICS if t.generated}
    assert set(TOPIC_ACTIONS) == generated


def test_every_topic_has_exactly_one_unconditional_rule() -> None:
    rules = [r for r in _rules() if not r.get("condition")]
    for topic in topics.TOPICS:
        matching = [
            r
            for r in rules
            if r["steps"][0].get("intent") == topic.intent
            and r["steps"][1].get("action") == topic.action
        ]
        assert len(matching) == 1, (topic.key, matching)


def test_every_safety_intent_has_a_fixed_answer_and_rules_in_and_out_of_the_form() -> None:
    for intent in topics.SAFETY:
        assert f"utter_{intent}" in DOMAIN["responses"]
        rules = [r for r in _rules() if r["steps"][0].get("intent") == intent]
        assert {bool(r.get("condition")) for r in rules} == {True, False}, intent
        for rule in rules:
            assert rule["steps"][1]["action"] == f"utter_{intent}"


def test_openapi_answer_topics_are_the_topic_table() -> None:
    spec = yaml.safe_load((ROOT / "bot" / "web" / "openapi.yaml").read_text())
    params = spec["paths"]["/api/answer"]["get"]["parameters"]
    enum = next(p for p in params if p["name"] == "topic")["schema"]["enum"]
    assert enum == list(ANSWERS)


def test_entity_vocabulary_is_the_domain_and_synonyms() -> None:
    values = entities.entity_values()
    for entity, slot_values in values.items():
        assert entity in DOMAIN["entities"]
        assert slot_values == DOMAIN["slots"][entity]["values"]
    known = {v for vs in values.values() for v in vs}
    assert set(entities.synonyms()) <= known


def _chat(store: Store, topic: topics.Topic, audience: str, found: dict[str, str]) -> str:
    slots = {"audience": audience}
    ents = [{"entity": k, "value": v} for k, v in found.items()]
    if topic.generated:
        action = TOPIC_ACTIONS[topic.action]()
    else:
        from actions.fallback import ActionFallback

        action = ActionFallback()
    text, _ = run_action(action, store, tracker_for(topic.intent, slots=slots, entities=ents))
    return text[0]


def _agent(store: Store, topic: topics.Topic, audience: str, found: dict[str, str]) -> str:
    parsed = lookup.Parse(intent=topic.intent, confidence=0.99, ranking=[], entities=found)
    with store.read() as session:
        return str(lookup.describe(session, store.clock, parsed, audience)["answer"])


@pytest.mark.parametrize("down", [None, "vermont_blue_rx", "member_resource_center"])
def test_chat_and_agents_lookup_agree_on_every_topic(sqlite_store: Store, down: str | None) -> None:
    if down:
        with sqlite_store.begin("test") as s:
            channels.set_status(s, down, "down", "Test outage.")
    for topic in topics.TOPICS:
        if topic.form:
            continue
        for audience in topics.AUDIENCES:
            for found in ({}, {"DATE": "Dec 5"}):
                chat = _chat(sqlite_store, topic, audience, found)
                agent = _agent(sqlite_store, topic, audience, found)
                assert chat == agent, (topic.key, audience, found)


def test_topics_for_one_audience_say_whom_the_answer_is_for(sqlite_store: Store) -> None:
    with sqlite_store.read() as s:
        payment = topics.answer(
            s, sqlite_store.clock, topics.BY_KEY["premium_payment"], topics.Asked("provider")
        )
    assert payment.text.startswith("For members:")
    assert payment.audience == "provider" and payment.topic == "premium_payment"
