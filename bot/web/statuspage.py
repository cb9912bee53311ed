"""The public status in the formats status tools already read: Atlassian Statuspage's
``/api/v2/summary.json`` and an Atom 1.0 feed (RFC 4287) of the public timeline,
``/history.atom``.

Both show exactly what /status.json shows members, and nothing more: public channels,
public incidents that have started, their public updates already posted; stored prose as
:func:`bot.services.mentions.presenter` renders it (a channel that is down now loses its
number or address). Built field by field, never from the internal serializers. Caching,
CORS and the stale copy while the store is down are :func:`bot.web.public.serve_public`'s,
as for /status.json.

What we don't record is said plainly rather than made up: no per-update component changes
(``affected_components`` is null), no scheduled maintenance (always ``[]``). An update's
status is the incident's status when it was posted, from the audit trail (for an entry
older than the incident's first record, the first recorded status).
"""

from __future__ import annotations

import html
import json
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.answers.status import current_incidents, public_updates
from bot.models import AuditEntry, Channel, Incident, IncidentUpdate
from bot.services import channels as channel_service
from bot.services import incidents as incident_service
from bot.services import mentions
from bot.web.public import serve_public
from bot.web.serialize import iso

PAGE_ID = "outage-assistant"
PAGE_NAME = "Member and provider service status"
#: Where members see the status (the chat page's banner; "/" leads there).
PAGE_PATH = "/"
FEED_PATH = "/history.atom"
#: The newest entries the feed carries.
FEED_ENTRIES = 50
#: Stands in for a time the store has never recorded (a row nothing has stamped yet).
NEVER = datetime(1970, 1, 1, tzinfo=UTC)
ATOM = "http://www.w3.org/2005/Atom"
#: Names the feed's and entries' ids (urn:uuid), the same whatever host serves them.
_IDS = uuid.uuid5(uuid.NAMESPACE_URL, "urn:outage-assistant:history")

# --- our words -> Statuspage's: the one table -----------------------------------------------

#: Channel status -> (component status, how bad it is on Statuspage's indicator scale).
COMPONENTS: dict[str, tuple[str, str]] = {
    "up": ("operational", "none"),
    "degraded": ("degraded_performance", "minor"),
    "down": ("major_outage", "critical"),
}
#: A channel status this table doesn't know (a newer store, e.g. "partial"): something is
#: wrong with it, and it is not known to be wholly down.
OTHER_COMPONENT = ("partial_outage", "major")
#: Incident status -> Statuspage incident status (the same words; no "postmortem" here).
INCIDENTS: dict[str, str] = {
    "investigating": "investigating",
    "identified": "identified",
    "monitoring": "monitoring",
    "resolved": "resolved",
}
OTHER_INCIDENT = "investigating"

#: Statuspage's indicator scale (page status and incident impact), mildest first.
INDICATORS = ("none", "minor", "major", "critical")
DESCRIPTIONS = {
    "none": "All Systems Operational",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major System Outage",
}


def component_status(status: str) -> tuple[str, str]:
    """Our channel status as (Statuspage component status, indicator)."""
    return COMPONENTS.get(status, OTHER_COMPONENT)


def incident_status(status: str) -> str:
    return INCIDENTS.get(status, OTHER_INCIDENT)


def rollup(indicators: list[str]) -> str:
    """The worst of ``indicators``; "critical" only when all of them are (everything is
    down), otherwise a major outage of some is a partial outage of the whole."""
    if not indicators:
        return "none"
    worst = max(indicators, key=INDICATORS.index)
    if worst == "critical" and any(i != "critical" for i in indicators):
        return "major"
    return worst


def _raise_to(indicator: str, floor: str) -> str:
    return max(indicator, floor, key=INDICATORS.index)


# --- what the audit trail says: creation times, an incident's status over time --------------


@dataclass
class _History:
    created: datetime | None = None
    #: (when, the status from then on), oldest first.
    changes: list[tuple[datetime, str]] = field(default_factory=list)

    def status_at(self, moment: datetime, current: str) -> str:
        status = self.changes[0][1] if self.changes else current
        for at, value in self.changes:
            if at > moment:
                break
            status = value
        return status

    def monitoring_at(self) -> datetime | None:
        """When it last went into monitoring (Statuspage keeps this once resolved)."""
        found, previous = None, None
        for at, value in self.changes:
            if value == "monitoring" and previous != "monitoring":
                found = at
            previous = value
        return found


def _histories(
    session: Session, entity: str, keys: list[str], *, created_only: bool = False
) -> dict[str, _History]:
    """From the audit trail, per key; only times and statuses are taken from it."""
    found = {key: _History() for key in keys}
    if not keys:
        return found
    query = select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_key.in_(keys))
    if created_only:
        query = query.where(AuditEntry.action == "create")
    query = query.order_by(AuditEntry.at, AuditEntry.id)
    for entry in session.scalars(query):
        history = found[entry.entity_key]
        if entry.action == "create":  # a key deleted and made again: only the new row counts
            found[entry.entity_key] = history = _History(created=entry.at)
        status = (entry.after or {}).get("status")
        if isinstance(status, str):
            history.changes.append((entry.at, status))
    return found


# --- the public rows, presented ---------------------------------------------------------------


def _update_id(incident: Incident, update: IncidentUpdate) -> uuid.UUID:
    """Stable and opaque: says nothing about how many entries (public or not) there are."""
    return uuid.uuid5(_IDS, f"{incident.key}/{update.id}")


def _newest_first(updates: list[IncidentUpdate]) -> list[IncidentUpdate]:
    return sorted(updates, key=lambda u: (u.posted_at, u.id), reverse=True)


def _component(
    channel: Channel, position: int, history: _History, present: Callable[[str | None], Any]
) -> dict[str, Any]:
    status, _indicator = component_status(channel.status)
    return {
        "id": channel.key,
        "name": channel.name,
        "status": status,
        "created_at": iso(history.created or channel.updated_at or NEVER),
        "updated_at": iso(channel.updated_at or history.created or NEVER),
        "position": position,
        "description": present(channel.status_note),
        "showcase": False,
        "start_date": None,
        "group_id": None,
        "page_id": PAGE_ID,
        "group": False,
        "only_show_if_degraded": False,
    }


def _incident(
    incident: Incident,
    updates: list[IncidentUpdate],
    history: _History,
    components: dict[str, dict[str, Any]],
    present: Callable[[str | None], Any],
) -> dict[str, Any]:
    named = [c for c in incident.channels if c.key in components]  # the public ones
    keys = {c.key for c in named}
    affected = [c for key, c in components.items() if key in keys]  # in page order
    # Something is wrong while an incident runs: at least "minor", even naming no channel.
    impact = _raise_to(rollup([component_status(c.status)[1] for c in named]), "minor")
    stamps = [r.updated_at for r in [incident, *updates] if r.updated_at]
    return {
        "id": incident.key,
        "name": incident.title,
        "status": incident_status(incident.status),
        "impact": impact,
        "created_at": iso(history.created or incident.started_at),
        "updated_at": iso(max(stamps) if stamps else incident.started_at),
        "monitoring_at": iso(history.monitoring_at()),
        "resolved_at": iso(incident.resolved_at),
        "shortlink": f"{PAGE_PATH}#incident-{incident.key}",
        "started_at": iso(incident.started_at),
        "page_id": PAGE_ID,
        "incident_updates": [
            {
                "id": _update_id(incident, u).hex[:12],
                "status": incident_status(history.status_at(u.posted_at, incident.status)),
                "body": present(u.body),
                "incident_id": incident.key,
                "created_at": iso(u.posted_at),
                "updated_at": iso(max(u.posted_at, u.updated_at or u.posted_at)),
                "display_at": iso(u.posted_at),
                "affected_components": None,
                "deliver_notifications": False,
                "custom_tweet": None,
                "tweet_id": None,
            }
            for u in _newest_first(updates)  # as Statuspage lists them
        ],
        "components": affected,
    }


def _public_channels(session: Session) -> list[Channel]:
    return [c for c in channel_service.list_channels(session) if c.public]


def summary_document(session: Session, now: datetime) -> tuple[dict[str, Any], datetime | None]:
    """Statuspage's summary of what /status.json shows (links relative: see
    :func:`render_summary`)."""
    present = mentions.presenter(session)
    channels = _public_channels(session)
    created = _histories(session, "channels", [c.key for c in channels], created_only=True)
    components = {
        c.key: _component(c, n, created[c.key], present) for n, c in enumerate(channels, 1)
    }
    stamps = [c.updated_at for c in channels if c.updated_at]
    current = sorted(
        current_incidents(session, now), key=lambda i: (i.started_at, i.key), reverse=True
    )
    histories = _histories(session, "incidents", [i.key for i in current])
    incidents = []
    for i in current:
        updates = public_updates(i, now)
        stamps += [r.updated_at for r in [i, *updates] if r.updated_at]
        incidents.append(_incident(i, updates, histories[i.key], components, present))
    indicator = rollup([component_status(c.status)[1] for c in channels])
    if incidents:
        indicator = _raise_to(indicator, "minor")
    updated = max(stamps) if stamps else None
    document = {
        "page": {
            "id": PAGE_ID,
            "name": PAGE_NAME,
            "url": PAGE_PATH,
            "time_zone": getattr(now.tzinfo, "key", None) or "Etc/UTC",
            "updated_at": iso(updated or NEVER),
        },
        "components": list(components.values()),
        "incidents": incidents,
        "scheduled_maintenances": [],
        "status": {"indicator": indicator, "description": DESCRIPTIONS[indicator]},
    }
    return document, updated


def render_summary(
    document: dict[str, Any], _now: datetime, stale_since: datetime | None, base: str
) -> tuple[str, str]:
    body = {
        **document,
        "page": {**document["page"], "url": base + document["page"]["url"]},
        "incidents": [{**i, "shortlink": base + i["shortlink"]} for i in document["incidents"]],
    }
    if stale_since is not None:  # extra keys, which Statuspage clients ignore
        body |= {"stale": True, "checked_at": iso(stale_since)}
    return json.dumps(body), "application/json"


# --- the Atom feed ------------------------------------------------------------------------------


def history_document(session: Session, now: datetime) -> tuple[dict[str, Any], datetime | None]:
    """Every public update of every public incident that has started, resolved ones too,
    newest first (at most :data:`FEED_ENTRIES`); links relative (see :func:`render_history`)."""
    present = mentions.presenter(session)
    shown = [
        i for i in incident_service.list_incidents(session) if i.public and i.started_at <= now
    ]
    histories = _histories(session, "incidents", [i.key for i in shown])
    stamps = [c.updated_at for c in _public_channels(session) if c.updated_at]
    posted: list[tuple[Incident, IncidentUpdate]] = []
    for i in shown:
        updates = public_updates(i, now)
        stamps += [r.updated_at for r in [i, *updates] if r.updated_at]
        posted += [(i, u) for u in updates]
    posted.sort(key=lambda pair: (pair[1].posted_at, pair[1].id), reverse=True)
    entries = [
        {
            "id": _update_id(i, u).urn,
            "title": i.title,
            "incident": i.key,
            "status": incident_status(histories[i.key].status_at(u.posted_at, i.status)),
            "published": iso(u.posted_at),
            "updated": iso(u.posted_at),  # entries are posted, never edited
            "body": present(u.body) or "",
        }
        for i, u in posted[:FEED_ENTRIES]
    ]
    updated = max(stamps) if stamps else None
    document = {"id": _IDS.urn, "updated": iso(updated or NEVER), "entries": entries}
    return document, updated


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    element.text = text
    return element


def render_history(
    document: dict[str, Any], _now: datetime, stale_since: datetime | None, base: str
) -> tuple[str, str]:
    page = base + PAGE_PATH
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": "en"})
    _add(feed, "id", document["id"])
    _add(feed, "title", f"{PAGE_NAME}: incident history")
    subtitle = "Public updates about our service problems."
    if stale_since is not None:
        subtitle += (
            f" The status can't be read right now: these are the updates as of {iso(stale_since)}."
        )
    _add(feed, "subtitle", subtitle)
    _add(feed, "updated", document["updated"])
    _add(feed, "link", rel="self", type="application/atom+xml", href=base + FEED_PATH)
    _add(feed, "link", rel="alternate", type="text/html", href=page)
    _add(_add(feed, "author"), "name", PAGE_NAME)
    for item in document["entries"]:
        entry = _add(feed, "entry")
        _add(entry, "id", item["id"])
        _add(entry, "title", item["title"])
        _add(entry, "published", item["published"])
        _add(entry, "updated", item["updated"])
        link = f"{page}#incident-{item['incident']}"
        _add(entry, "link", rel="alternate", type="text/html", href=link)
        _add(entry, "category", term=item["status"])
        # type="html": the markup is the element's text, escaped for HTML here and for XML
        # when written out.
        status = html.escape(item["status"].capitalize())
        markup = f"<p><strong>{status}</strong> - {html.escape(item['body'])}</p>"
        _add(entry, "content", markup, type="html")
    text = '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode")
    return text, "application/atom+xml"


# --- the views ----------------------------------------------------------------------------------


async def summary_json(request: web.Request) -> web.StreamResponse:
    return await serve_public(request, "/api/v2/summary.json", summary_document, render_summary)


async def history_atom(request: web.Request) -> web.StreamResponse:
    return await serve_public(request, FEED_PATH, history_document, render_history)
