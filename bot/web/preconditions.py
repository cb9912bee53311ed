"""ETags from row versions, and If-Match: a write based on an old read gets 412, not a win.

A record's ETag is ``W/"<version>"`` (weak: the JSON also shows rows it embeds, such as an
incident's timeline, which carry versions of their own). ``If-Match`` names the versions
the writer read; the record's version is compared inside the write's transaction, after
the row is locked, so nothing can change it between the check and the write. Without
``If-Match`` a write goes ahead as before (still atomic: see :mod:`bot.db`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from bot.web.errors import ApiError

_TAG = re.compile(r'\s*(?:W/)?"([^"]*)"\s*')


@dataclass(frozen=True)
class IfMatch:
    """What an If-Match header accepts: any current version (``*``) or the ones named."""

    any: bool
    versions: frozenset[int]

    def accepts(self, version: int) -> bool:
        return self.any or version in self.versions


@dataclass(frozen=True)
class Target:
    """The record a write changes: its name for messages, and how to read its version
    (locked; None when it does not exist yet)."""

    what: str
    version: Callable[[Session], int | None]


def etag(version: int) -> str:
    return f'W/"{version}"'


def etag_header(row: Mapping[str, Any]) -> dict[str, str]:
    """The ETag header for a record's JSON (none when it carries no version)."""
    version = row.get("version")
    return {"ETag": etag(version)} if isinstance(version, int) else {}


def record(row: dict[str, Any], status: int = 200) -> web.Response:
    """One record as JSON, with its version as the ETag (what If-Match sends back)."""
    return web.json_response(row, status=status, headers=etag_header(row))


def parse_if_match(header: str | None) -> IfMatch | None:
    """None when there is no If-Match; tags that are not our versions match nothing."""
    if header is None:
        return None
    if header.strip() == "*":
        return IfMatch(any=True, versions=frozenset())
    versions = set()
    for part in header.split(","):
        found = _TAG.fullmatch(part)
        if found and found.group(1).isdigit() and len(found.group(1)) < 19:
            versions.add(int(found.group(1)))
    return IfMatch(any=False, versions=frozenset(versions))


def check(wanted: IfMatch, target: Target, session: Session) -> None:
    """412, naming the current version, unless the record is at a version ``wanted`` names."""
    current = target.version(session)
    if current is None:
        raise ApiError(
            412,
            f"{target.what} does not exist, so If-Match cannot match; leave If-Match out "
            "to create it",
            field="If-Match",
        )
    if not wanted.accepts(current):
        raise ApiError(
            412,
            f"{target.what} is at version {current}, not the one in If-Match; someone "
            "changed it since you read it: reload it and apply your change again",
            field="If-Match",
            headers={"ETag": etag(current)},
        )
