"""Incidents: what is wrong, since when, what it affects, and its public timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import validation
from bot.db import for_change
from bot.errors import Conflict, Invalid, NotFound
from bot.models import DataFreshness, Incident, IncidentUpdate
from bot.services import mentions, outbound, texts
from bot.services.channels import get_channel

DEFAULT_BACKLOG = (
    "We anticipate a high volume of phone calls and emails, which may result in longer wait "
    "times than usual."
)


def list_incidents(session: Session, *, include_resolved: bool = True) -> list[Incident]:
    query = select(Incident).order_by(Incident.started_at.desc())
    if not include_resolved:
        query = query.where(Incident.status != "resolved")
    return list(session.scalars(query))


def get_incident(session: Session, key: str, *, lock: bool = False) -> Incident:
    """The incident; ``lock``: it (or its timeline or freshness notes) is about to change."""
    query = select(Incident).where(Incident.key == key)
    incident = session.scalar(for_change(query) if lock else query)
    if incident is None:
        raise NotFound("incident", key, [i.key for i in list_incidents(session)])
    return incident


def active(session: Session, now: datetime) -> list[Incident]:
    """Unresolved incidents that have started by ``now`` (scheduled ones stay hidden)."""
    return [i for i in list_incidents(session, include_resolved=False) if i.started_at <= now]


def recently_resolved(session: Session, now: datetime, *, days: int = 14) -> list[Incident]:
    """Incidents resolved in the last ``days``: their backlog still affects waits."""
    return [
        i
        for i in list_incidents(session)
        if i.status == "resolved"
        and i.resolved_at is not None
        and i.resolved_at <= now
        and (now - i.resolved_at).days < days
    ]


def resolved_with_backlog(session: Session, now: datetime) -> list[Incident]:
    """Resolved incidents whose backlog notice staff have not cleared yet (newest first)."""
    return [
        i
        for i in list_incidents(session)
        if i.status == "resolved"
        and i.resolved_at is not None
        and i.resolved_at <= now
        and i.backlog_note
    ]


def open_incident(session: Session, data: dict[str, Any], now: datetime) -> Incident:
    key = validation.key("key", data.get("key"))
    if session.scalar(select(Incident).where(Incident.key == key)) is not None:
        raise Conflict(f"incident {key!r} already exists")
    incident = Incident(key=key, affected_systems=[], summary="")
    session.add(incident)
    data = {"status": "investigating", "started_at": now, **data}
    _apply(session, incident, data, now)
    return incident


def update_incident(session: Session, key: str, data: dict[str, Any], now: datetime) -> Incident:
    incident = get_incident(session, key, lock=True)
    _apply(session, incident, data, now)
    return incident


def resolve(session: Session, key: str, now: datetime, note: str | None = None) -> Incident:
    incident = get_incident(session, key, lock=True)
    if incident.status == "resolved":
        raise Conflict(f"incident {key!r} is already resolved")
    incident.status = "resolved"
    incident.resolved_at = now
    if not incident.backlog_note:
        # Waits stay long after the fix: say so until an editor clears the note.
        incident.backlog_note = texts.render(session, "backlog", DEFAULT_BACKLOG)
    if note:
        post_update(session, key, note, now)
    return incident


def post_update(
    session: Session,
    key: str,
    body: str,
    now: datetime,
    *,
    public: bool = True,
    historic: bool = False,
) -> IncidentUpdate:
    """Post a timeline entry, linked to the channels it names.

    Refused if it calls a channel working that is down right now, unless ``historic``
    (an entry replayed as it was posted then, e.g. by the scenario loader).
    """
    incident = get_incident(session, key, lock=True)
    text = validation.text("body", body, max_len=4000)
    if not historic:
        mentions.refuse_down_claims(session, "body", text)
    update = IncidentUpdate(incident=incident, posted_at=now, body=text, public=public)
    session.add(update)
    mentions.link(session, update, "body", text)
    return update


def set_freshness(
    session: Session,
    key: str,
    system: str,
    label: str,
    current_through: Any,
    note: str | None = None,
) -> DataFreshness:
    incident = get_incident(session, key, lock=True)  # its freshness notes change with it
    system = validation.key("system", system)
    row = next((f for f in incident.freshness if f.system == system), None)
    if row is None:
        row = DataFreshness(incident=incident, system=system)
        session.add(row)
    row.label = validation.text("label", label, max_len=200)
    row.current_through = validation.day("current_through", current_through)
    row.note = validation.text("note", note, required=False)
    return row


_TEXT_FIELDS = {
    "title": 200,
    "summary": 4000,
    "working_note": 4000,
    "data_impact_statement": 2000,
    "backlog_note": 2000,
    "internal_note": 4000,
}
#: Prose about the incident that names channels: checked and linked when saved.
_LINKED_FIELDS = ("summary", "working_note")


def _apply(session: Session, incident: Incident, data: dict[str, Any], now: datetime) -> None:
    zone = now.tzinfo
    unknown = set(data) - {
        *_TEXT_FIELDS,
        "key",
        "status",
        "started_at",
        "resolved_at",
        "affected_systems",
        "channels",
        "data_impact_confirmed_at",
        "public",
    }
    if unknown:
        raise Invalid(sorted(unknown)[0], "is not a field of an incident")
    for name, max_len in _TEXT_FIELDS.items():
        if name in data:
            required = name == "title"
            setattr(
                incident,
                name,
                validation.text(name, data[name], max_len=max_len, required=required)
                or ("" if name == "summary" else None),
            )
    if incident.title is None:
        raise Invalid("title", "is required")
    if "status" in data:
        incident.status = validation.incident_status(data["status"])
    if "started_at" in data:
        incident.started_at = validation.aware_datetime("started_at", data["started_at"], zone)
    if "resolved_at" in data:
        incident.resolved_at = (
            None
            if data["resolved_at"] is None
            else validation.aware_datetime("resolved_at", data["resolved_at"], zone)
        )
    if incident.status == "resolved" and incident.resolved_at is None:
        incident.resolved_at = now
    if incident.status != "resolved" and "status" in data:
        incident.resolved_at = None
    validation.window("started_at", incident.started_at, "resolved_at", incident.resolved_at)
    if "data_impact_confirmed_at" in data:
        value = data["data_impact_confirmed_at"]
        incident.data_impact_confirmed_at = (
            None
            if value is None
            else validation.aware_datetime("data_impact_confirmed_at", value, zone)
        )
    elif "data_impact_statement" in data:
        incident.data_impact_confirmed_at = now
    if "affected_systems" in data:
        systems = data["affected_systems"]
        if not isinstance(systems, list):
            raise Invalid("affected_systems", "must be a list of system names")
        incident.affected_systems = [validation.key("affected_systems", s) for s in systems]
    if "channels" in data:
        keys = data["channels"]
        if not isinstance(keys, list):
            raise Invalid("channels", "must be a list of channel keys")
        incident.channels = [get_channel(session, k) for k in keys]
    if "public" in data:
        incident.public = bool(data["public"])
    for name in _LINKED_FIELDS:
        if name in data:
            mentions.refuse_down_claims(session, name, getattr(incident, name))
            mentions.link(session, incident, name, getattr(incident, name))
    # What it affects, or whether it is active, changed: outgoing messages that send people
    # to a channel it affects wait for an editor (an edit of its wording alone holds nothing).
    touched = {"channels", "status", "started_at"} & set(data)
    if touched and incident.status != "resolved" and incident.started_at <= now:
        for channel in incident.channels:
            outbound.hold_naming(session, channel)
