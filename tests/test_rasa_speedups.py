"""The Rasa process's speedups (bot/rasa_speedups.py) accept and refuse exactly what Rasa's
own code does."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot import rasa_speedups

RASAS_OWN = RemoteAction._validate_action_result

RESULTS: list[dict[str, Any]] = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "audience", "value": "member"}], "responses": []},
    {"events": [{"event": "bot", "text": "hi"}], "responses": [{"text": "hi"}]},
    {"responses": [{"text": "only responses"}]},
    {"events": "not a list"},
    {"events": [{"name": "no event key"}]},
    {"events": [{"event": "slot"}]},  # a slot event without a name
    {"events": [{"event": "no_such_event"}]},
    {"events": [], "responses": "not a list"},
    {"events": [], "responses": ["not an object"]},
]


def _outcome(validate: Any, result: dict[str, Any]) -> str:
    action = RemoteAction("action_test", None)
    try:
        return "ok" if validate(action, result) else "false"
    except ValidationError as error:
        return f"refused: {error.message}"


@pytest.mark.parametrize("result", RESULTS, ids=[str(i) for i in range(len(RESULTS))])
def test_compiled_validator_agrees_with_rasa(result: dict[str, Any]) -> None:
    assert _outcome(rasa_speedups._validate_action_result, result) == _outcome(RASAS_OWN, result)


def test_the_cases_cover_both_outcomes() -> None:
    outcomes = {_outcome(RASAS_OWN, r).split(":")[0] for r in RESULTS}
    assert outcomes == {"ok", "refused"}


def test_install_replaces_rasas_method() -> None:
    try:
        rasa_speedups.install()
        assert RemoteAction._validate_action_result is rasa_speedups._validate_action_result
    finally:
        RemoteAction._validate_action_result = RASAS_OWN  # type: ignore[method-assign]
