"""Rasa NLU components of our own: the entity reader and the safety gate.

Both wrap plain modules (:mod:`bot.entities`, :mod:`bot.safety`) so the same rules serve the
chat, the agents' lookup and the tests. Neither is trained; both run on every message.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import entities, safety


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class EntityReader(GraphComponent, EntityExtractorMixin):
    """Adds audience, service category, network, urgency and a date span to every message."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> EntityReader:
        return cls()

    def __init__(self) -> None:
        self.vocabulary = entities.Vocabulary.load()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            found = self.vocabulary.read(message.get(TEXT) or "")
            existing = list(message.get(ENTITIES) or [])
            kinds = {e.get("entity") for e in existing}
            added = [f.as_rasa(self.__class__.__name__) for f in found if f.entity not in kinds]
            message.set(ENTITIES, existing + added, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SafetyGate(GraphComponent):
    """Emergency, self-harm and poisoning override whatever the classifier guessed."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SafetyGate:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            intent = safety.classify(text)
            if intent is None:
                continue
            guessed = (message.get(INTENT) or {}).get("name")
            if (
                intent != "self_harm"
                and guessed not in safety.INTENTS
                and safety.about_past_care(text)
            ):
                # "My claim for the heart attack in September": answer the claim, but put the
                # emergency line first (actions read this entity).
                found = {"entity": "safety", "value": intent, "extractor": "SafetyGate"}
                message.set(ENTITIES, [*(message.get(ENTITIES) or []), found], add_to_output=True)
                continue
            top = {"name": intent, "confidence": 1.0}
            # The classifier's guesses stay visible but can't make the gate look ambiguous.
            ranking = [
                {**r, "confidence": 0.0}
                for r in message.get(INTENT_RANKING_KEY) or []
                if r.get("name") != intent
            ]
            message.set(INTENT, top, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [top, *ranking], add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
