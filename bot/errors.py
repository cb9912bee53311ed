"""Errors the store raises; the CLI and the HTTP edge turn them into polite messages."""

from __future__ import annotations


class StoreError(Exception):
    """Base class: something a caller can explain to a person."""


class NotFound(StoreError):
    def __init__(self, entity: str, key: str, choices: list[str] | None = None) -> None:
        self.entity, self.key, self.choices = entity, key, choices or []
        hint = f" (known: {', '.join(self.choices)})" if self.choices else ""
        super().__init__(f"no {entity} named {key!r}{hint}")


class Invalid(StoreError):
    """A value failed validation; ``field`` names what to fix."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


class Conflict(StoreError):
    pass
