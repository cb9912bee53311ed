"""Costs Rasa 3.6 pays on every message that buy nothing, removed in the Rasa process.

Installed by :mod:`bot.rasa_launch` before Rasa starts, so the Rasa server and nothing
else runs with them. Each one keeps Rasa's behaviour exactly (same accepted and refused
inputs, same errors); ``tests/test_rasa_speedups.py`` checks that against Rasa's own code.

- **The action server's answer is checked against a validator compiled once.** Rasa calls
  ``jsonschema.validate(result, schema)`` for every action result, which checks the
  (constant) events schema itself before checking the result: 15 % of the Rasa process's
  time under load (``make profile``), for a schema that never changes.
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def _action_result_validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # once, as jsonschema.validate would on every call
    return cls(schema)


def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    """Rasa's ``RemoteAction._validate_action_result`` with the validator compiled once."""
    from jsonschema import ValidationError, exceptions
    from rasa.shared.constants import DOCS_BASE_URL

    error = exceptions.best_match(_action_result_validator().iter_errors(result))
    if error is None:
        return True
    assert isinstance(error, ValidationError)
    error.message += (
        ". Failed to validate Action server response from API, make sure your response from "
        "the Action endpoint is valid. For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> None:
    """Put the cheaper equivalents in place (idempotent)."""
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = _validate_action_result
