"""Audit trail: every insert, update and delete of a store row is recorded on flush.

Hooked on the session rather than called by each service function, so no code path can
change what the assistant says without leaving a record of who, when, before and after.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from bot.models import (
    AnswerText,
    AuditEntry,
    Channel,
    DataFreshness,
    DateRule,
    Incident,
    IncidentUpdate,
    OutboundMessage,
    Route,
    Tracked,
    Translation,
)

AUDITED = (
    Channel,
    Route,
    Incident,
    IncidentUpdate,
    DataFreshness,
    DateRule,
    AnswerText,
    OutboundMessage,
    Translation,
)
#: Bookkeeping, not content; ``version`` is kept, so the trail shows which version each
#: change replaced (every "before" is the previous "after").
_SKIPPED = {"updated_at", "updated_by"}


def _plain(value: Any) -> Any:
    """JSON for the trail; aware times in UTC, as they read back from the store (so a
    time recorded as given, -05:00, equals the same time read later)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).isoformat()
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def entity_key(obj: Any) -> str:
    """A human-readable, stable name for a row (ids are not known before the flush)."""
    if isinstance(obj, Route):
        return f"{obj.topic}/{obj.audience}/{obj.position}"
    if isinstance(obj, IncidentUpdate):
        incident = obj.incident.key if obj.incident is not None else obj.incident_id
        return f"{incident}@{_plain(obj.posted_at)}"
    if isinstance(obj, DataFreshness):
        incident = obj.incident.key if obj.incident is not None else "-"
        return f"{incident}/{obj.system}"
    return str(getattr(obj, "key", None) or getattr(obj, "id", "?"))


def _snapshot(obj: Any, *, old: bool) -> dict[str, Any]:
    state = inspect(obj)
    data: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in _SKIPPED:
            continue
        hist = state.attrs[attr.key].history
        if old and hist.deleted:
            value = hist.deleted[0]
        elif old and hist.added:
            value = None
        else:
            value = state.attrs[attr.key].value
        data[attr.key] = _plain(value)
    if isinstance(obj, Incident):
        hist = state.attrs["channels"].history
        current = [c.key for c in obj.channels]
        if old and (hist.added or hist.deleted):
            added = {c.key for c in hist.added}
            current = [k for k in current if k not in added] + [c.key for c in hist.deleted]
        data["channels"] = sorted(current)
    return data


def _changed(obj: Any) -> bool:
    state = inspect(obj)
    keys = [a.key for a in state.mapper.column_attrs if a.key not in _SKIPPED]
    if isinstance(obj, Incident):
        keys.append("channels")
    return any(state.attrs[k].history.has_changes() for k in keys)


def _fill_defaults(obj: Any) -> None:
    """Set the column defaults the INSERT would apply (version 1, public, status...) now,
    so a new row's audit entry shows what is stored, not None (only its id is unknown)."""
    for attr in inspect(obj).mapper.column_attrs:
        default = attr.columns[0].default
        if default is None or getattr(obj, attr.key) is not None:
            continue
        if default.is_scalar:
            setattr(obj, attr.key, default.arg)
        elif default.is_callable:  # list, dict: called without an execution context
            setattr(obj, attr.key, default.arg(None))


def _bump(obj: Tracked) -> None:
    """One more than the version this session read: the ORM's UPDATE matches only that one."""
    history = inspect(obj).attrs["version"].history
    seen = history.deleted[0] if history.deleted else obj.version
    obj.version = seen + 1


def _before_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    now: datetime | None = session.info.get("now")
    actor: str | None = session.info.get("actor")
    if now is None or actor is None:
        raise RuntimeError("store session opened without an actor and a time; use Store.begin()")
    entries: list[tuple[str, Any, dict[str, Any] | None, dict[str, Any] | None]] = []
    for obj in list(session.new):
        if isinstance(obj, AUDITED):
            _fill_defaults(obj)
            entries.append(("create", obj, None, _snapshot(obj, old=False)))
    for obj in list(session.dirty):
        if isinstance(obj, AUDITED) and _changed(obj):
            replaced = _snapshot(obj, old=True)
            _bump(obj)
            entries.append(("update", obj, replaced, _snapshot(obj, old=False)))
    for obj in list(session.deleted):
        if isinstance(obj, AUDITED):
            entries.append(("delete", obj, _snapshot(obj, old=True), None))
    for action, obj, before, after in entries:
        if isinstance(obj, Tracked) and action != "delete":
            obj.updated_at = now
            obj.updated_by = actor
        session.add(
            AuditEntry(
                at=now,
                actor=actor,
                entity=type(obj).__tablename__,
                entity_key=entity_key(obj),
                action=action,
                before=before,
                after=after,
            )
        )


def install(session_factory: Any) -> None:
    """Attach the audit hook to a sessionmaker (once).

    Marked on the factory itself: ``event.contains`` keys listeners by ``id()``, so a new
    sessionmaker reusing the id of a collected one looked "already installed" and went
    unaudited.
    """
    if getattr(session_factory, "_bot_audit_installed", False):
        return
    event.listen(session_factory, "before_flush", _before_flush)
    session_factory._bot_audit_installed = True
