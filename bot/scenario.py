"""Load a scenario file (channels, routes, incidents, rules, answer texts, outgoing
messages) into the store.

Loading is all-or-nothing: the caller's transaction rolls back on the first bad value.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import validation
from bot.config import PROJECT_ROOT
from bot.errors import Invalid
from bot.models import Channel
from bot.services import channels, incidents, outbound, routing, rules, texts, translations

DEMO_SCENARIO = PROJECT_ROOT / "data" / "scenarios" / "november_2023_outage.yml"


def read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise Invalid("file", f"cannot read {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise Invalid("file", f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise Invalid("file", f"{path} must hold a mapping with channels, routes, incidents")
    return data


def demo_now(path: Path) -> datetime | None:
    raw = read(path).get("demo_now")
    return datetime.fromisoformat(str(raw)) if raw else None


def is_empty(session: Session) -> bool:
    return (session.scalar(select(func.count()).select_from(Channel)) or 0) == 0


def load(session: Session, data: dict[str, Any], now: datetime) -> dict[str, int]:
    """Upsert everything in ``data``; returns counts per section."""
    counts = {
        "channels": 0,
        "routes": 0,
        "incidents": 0,
        "rules": 0,
        "answers": 0,
        "messages": 0,
        "translations": 0,
    }
    for item in data.get("channels") or []:
        channels.upsert_channel(session, item)
        counts["channels"] += 1
    session.flush()
    for topic, by_audience in (data.get("routes") or {}).items():
        if not isinstance(by_audience, dict):
            raise Invalid(f"routes.{topic}", "must map audiences to lists of channels")
        for audience, keys in by_audience.items():
            routing.set_route(session, topic, audience, list(keys or []))
            counts["routes"] += 1
    for item in data.get("incidents") or []:
        _load_incident(session, dict(item), now)
        counts["incidents"] += 1
    for item in data.get("rules") or []:
        rules.upsert_rule(session, item)
        counts["rules"] += 1
    for key, text in (data.get("answers") or {}).items():
        texts.set_text(session, key, text)
        counts["answers"] += 1
    for item in data.get("messages") or []:
        outbound.upsert_message(session, dict(item))  # after channels and incidents: holds
        counts["messages"] += 1
    session.flush()
    for item in data.get("translations") or []:  # last: each records the English it translates
        _load_translation(session, dict(item), now)
        counts["translations"] += 1
    return counts


def _load_translation(session: Session, item: dict[str, Any], now: datetime) -> None:
    """``{owner, key, field, language, text, approved}``; approved ones are approved by the
    scenario (as an editor would, audited)."""
    owner, key, field = (str(item.get(name) or "") for name in ("owner", "key", "field"))
    language = str(item.get("language") or "es")
    translations.set_translation(session, owner, key, field, language, str(item.get("text") or ""))
    if item.get("approved"):
        actor = str(session.info.get("actor") or "scenario")
        translations.approve(session, owner, key, field, language, actor=actor, now=now)


def _load_incident(session: Session, item: dict[str, Any], now: datetime) -> None:
    freshness = item.pop("freshness", None) or []
    updates = item.pop("updates", None) or []
    key = validation.key("key", item.get("key"))
    existing = {i.key for i in incidents.list_incidents(session)}
    if key in existing:
        incident = incidents.update_incident(session, key, item, now)
        for old in list(incident.updates):
            session.delete(old)
        session.flush()
    else:
        incidents.open_incident(session, item, now)
    for row in freshness:
        incidents.set_freshness(
            session,
            key,
            row.get("system"),
            row.get("label"),
            row.get("current_through"),
            row.get("note"),
        )
    for row in updates:
        posted = validation.aware_datetime("posted_at", row.get("posted_at"), now.tzinfo)
        # An entry posted before ``now`` is history: it said what was true then, even if a
        # channel it calls working is down now (views mark it; see bot.services.mentions).
        incidents.post_update(
            session,
            key,
            row.get("body"),
            posted,
            public=row.get("public", True),
            historic=posted < now,
        )
