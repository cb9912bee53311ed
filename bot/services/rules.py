"""Date rules: policies that apply between two dates (waivers, effective dates, windows)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import validation
from bot.db import for_change
from bot.errors import Invalid, NotFound
from bot.models import DateRule
from bot.services import mentions


def list_rules(session: Session) -> list[DateRule]:
    return list(session.scalars(select(DateRule).order_by(DateRule.key)))


def find_rule(session: Session, key: str, *, lock: bool = False) -> DateRule | None:
    query = select(DateRule).where(DateRule.key == key)
    return session.scalar(for_change(query) if lock else query)


def get_rule(session: Session, key: str) -> DateRule:
    rule = find_rule(session, key)
    if rule is None:
        raise NotFound("rule", key, [r.key for r in list_rules(session)])
    return rule


def upsert_rule(session: Session, data: dict[str, Any]) -> DateRule:
    key = validation.key("key", data.get("key"))
    rule = find_rule(session, key, lock=True)
    if rule is None:
        rule = DateRule(key=key)
        session.add(rule)
    rule.title = validation.text("title", data.get("title", rule.title), max_len=200)
    starts = data.get("starts_on", rule.starts_on)
    ends = data.get("ends_on", rule.ends_on)
    rule.starts_on = None if starts is None else validation.day("starts_on", starts)
    rule.ends_on = None if ends is None else validation.day("ends_on", ends)
    validation.window("starts_on", rule.starts_on, "ends_on", rule.ends_on)
    params = data.get("params", rule.params or {})
    if not isinstance(params, dict):
        raise Invalid("params", "must be a mapping")
    rule.params = params
    rule.text = validation.text("text", data.get("text", rule.text), max_len=4000) or ""
    mentions.link(session, rule, "text", rule.text)
    return rule
