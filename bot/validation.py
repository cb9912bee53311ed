"""Checks shared by the scenario loader, the CLI and the operations API."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from bot.errors import Invalid
from bot.models import (
    AUDIENCES,
    CHANNEL_AUDIENCES,
    CHANNEL_KINDS,
    CHANNEL_STATUSES,
    INCIDENT_STATUSES,
)

_KEY = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")
_DIGITS = re.compile(r"\d")
_PHONE = re.compile(r"^\s*(?:\+?1[\s.-]?)?\(?(\d{3})\)?[\s.-]?(\d{3})[\s.-]?(\d{4})\s*$")


def one_of(field: str, value: Any, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise Invalid(field, f"must be one of {', '.join(allowed)} (got {value!r})")
    return value


def channel_status(value: Any) -> str:
    return one_of("status", value, CHANNEL_STATUSES)


def incident_status(value: Any) -> str:
    return one_of("status", value, INCIDENT_STATUSES)


def audience(value: Any) -> str:
    return one_of("audience", value, AUDIENCES)


def channel_audience(value: Any) -> str:
    return one_of("audience", value, CHANNEL_AUDIENCES)


def channel_kind(value: Any) -> str:
    return one_of("kind", value, CHANNEL_KINDS)


def key(field: str, value: Any) -> str:
    if not isinstance(value, str) or not _KEY.match(value):
        raise Invalid(field, "use lowercase letters, digits, '_' or '-' (at most 64)")
    return value


def text(field: str, value: Any, *, max_len: int = 4000, required: bool = True) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise Invalid(field, "is required")
        return None
    if not isinstance(value, str):
        raise Invalid(field, "must be text")
    if len(value) > max_len:
        raise Invalid(field, f"is longer than {max_len} characters")
    return value.strip()


def contact(kind: str, value: Any) -> str:
    """A phone contact is either a valid North American number or a description without digits."""
    result = text("contact", value, max_len=300)
    assert result is not None
    if kind in ("phone", "answering_service") and _DIGITS.search(result):
        if not _PHONE.match(result):
            raise Invalid("contact", f"{result!r} is not a valid phone number, e.g. (877) 493-1947")
    return result


def aliases(value: Any) -> list[str]:
    """Other names of a channel: a list of distinct short texts (none is fine)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise Invalid("aliases", "must be a list of names")
    result: list[str] = []
    for item in value:
        name = text("aliases", item, max_len=200)
        assert name is not None
        if len(name) < 3:
            raise Invalid("aliases", f"{name!r} is too short to find in a text")
        if name.lower() not in {r.lower() for r in result}:
            result.append(name)
    return result


def aware_datetime(field: str, value: Any, zone: Any) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise Invalid(field, f"{value!r} is not an ISO 8601 time") from exc
    else:
        raise Invalid(field, "must be an ISO 8601 time")
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def day(field: str, value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError as exc:
            raise Invalid(field, f"{value!r} is not a date like 2023-11-26") from exc
    raise Invalid(field, "must be a date like 2023-11-26")


def window(start_field: str, start: Any, end_field: str, end: Any) -> None:
    if start is not None and end is not None and end < start:
        raise Invalid(end_field, f"must not be before {start_field}")
