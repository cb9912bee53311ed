"""Request input: JSON bodies, path keys and query values, checked before the services see them.

The services validate meaning (a known status, a real phone number); this module checks
shape: an object, only known fields, the right JSON types, and text a database can hold
(no NUL characters, no lone surrogates, dates in a sane range). Malformed JSON is 400;
everything else names the field with 422.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from aiohttp import web

from bot.errors import Invalid, NotFound
from bot.web.errors import ApiError

KEY = re.compile(r"[a-z0-9][a-z0-9_\-]{0,63}")
YEARS = (1900, 2999)

#: Field kinds used in body specs.
STRING = "string"
OPTIONAL_STRING = "string?"
BOOLEAN = "boolean"
DATETIME = "datetime"
OPTIONAL_DATETIME = "datetime?"
DATE = "date"
OPTIONAL_DATE = "date?"
STRINGS = "string[]"
OBJECT = "object"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_object(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ApiError(400, f"the body is not valid JSON: {str(exc)[:200]}") from None
    if not isinstance(data, dict):
        raise ApiError(400, "the body must be a JSON object")
    return data


def clean_text(field: str, value: str) -> str:
    if "\x00" in value:
        raise Invalid(field, "must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise Invalid(field, "is not valid Unicode text") from None
    return value


def _deep_clean(field: str, value: Any) -> None:
    if isinstance(value, str):
        clean_text(field, value)
    elif isinstance(value, list):
        for item in value:
            _deep_clean(field, item)
    elif isinstance(value, dict):
        for k, v in value.items():
            clean_text(field, k)
            _deep_clean(field, v)


def _in_range(field: str, year: int) -> None:
    if not YEARS[0] <= year <= YEARS[1]:
        raise Invalid(field, f"must be between the years {YEARS[0]} and {YEARS[1]}")


def check(field: str, kind: str, value: Any) -> None:
    """Raise :class:`Invalid` unless ``value`` is of ``kind``."""
    optional = kind.endswith("?")
    if value is None:
        if optional:
            return
        raise Invalid(field, "must not be null")
    base = kind.rstrip("?")
    if base == STRING:
        if not isinstance(value, str):
            raise Invalid(field, "must be a string")
        clean_text(field, value)
    elif base == BOOLEAN:
        if not isinstance(value, bool):
            raise Invalid(field, "must be true or false")
    elif base in (DATETIME, DATE):
        if not isinstance(value, str):
            raise Invalid(field, f"must be an ISO 8601 {'time' if base == DATETIME else 'date'}")
        clean_text(field, value)
        try:
            parsed = (
                datetime.fromisoformat(value) if base == DATETIME else date.fromisoformat(value)
            )
        except ValueError:
            example = "2023-11-28T10:00:00-05:00" if base == DATETIME else "2023-11-26"
            raise Invalid(field, f"{value[:40]!r} is not like {example}") from None
        _in_range(field, parsed.year)
    elif base == STRINGS:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise Invalid(field, "must be a list of strings")
        for item in value:
            clean_text(field, item)
    elif base == OBJECT:
        if not isinstance(value, dict):
            raise Invalid(field, "must be an object")
        _deep_clean(field, value)
    else:  # pragma: no cover - a programming error in a body spec
        raise AssertionError(f"unknown field kind {kind!r}")


def check_fields(
    data: Mapping[str, Any], fields: Mapping[str, str], required: Iterable[str] = ()
) -> None:
    for name in data:
        if name not in fields:
            clean_text("body", name)
            raise Invalid(name, "is not a field you can set here")
    for name in required:
        if name not in data:
            raise Invalid(name, "is required")
    for name, value in data.items():
        check(name, fields[name], value)


async def json_body(
    request: web.Request,
    fields: Mapping[str, str],
    *,
    required: Iterable[str] = (),
    optional_body: bool = False,
) -> dict[str, Any]:
    """The request's JSON object, checked against ``fields`` (413 past the size cap)."""
    raw = await request.read()
    if optional_body and not raw.strip():
        return {}
    data = parse_object(raw)
    check_fields(data, fields, required)
    return data


def path_key(request: web.Request, name: str, entity: str) -> str:
    """A key from the URL naming an existing thing: anything malformed cannot exist (404)."""
    value = request.match_info[name]
    if not KEY.fullmatch(value):
        raise NotFound(entity, value[:80])
    return value


def new_key(field: str, value: str) -> str:
    """A key for something that may be created: the whole value must match (a trailing
    newline passes ``re.match(...$)`` in :mod:`bot.validation` but not here)."""
    if not KEY.fullmatch(value):
        raise Invalid(field, "use lowercase letters, digits, '_' or '-' (at most 64)")
    return value


def query_text(request: web.Request, name: str, default: str | None = None) -> str | None:
    value = request.query.get(name)
    if value is None:
        return default
    return clean_text(name, value)


def query_int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise Invalid(name, "must be a whole number") from None
    if not low <= value <= high:
        raise Invalid(name, f"must be between {low} and {high}")
    return value


def query_bool(request: web.Request, name: str, default: bool) -> bool:
    raw = request.query.get(name)
    if raw is None:
        return default
    if raw in ("true", "1"):
        return True
    if raw in ("false", "0"):
        return False
    raise Invalid(name, "must be true or false")
