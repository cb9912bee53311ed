"""Answer texts: wording staff change without code; templates use {placeholders}."""

from __future__ import annotations

import logging
import string
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import i18n, validation
from bot.db import for_change
from bot.errors import Invalid
from bot.models import AnswerText
from bot.services import mentions

log = logging.getLogger(__name__)


def list_texts(session: Session) -> list[AnswerText]:
    return list(session.scalars(select(AnswerText).order_by(AnswerText.key)))


def get_text(session: Session, key: str) -> str | None:
    row = find_text(session, key)
    return row.text if row else None


def find_text(session: Session, key: str, *, lock: bool = False) -> AnswerText | None:
    query = select(AnswerText).where(AnswerText.key == key)
    return session.scalar(for_change(query) if lock else query)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def set_text(session: Session, key: str, text: str) -> AnswerText:
    key = validation.key("key", key)
    body = validation.text("text", text, max_len=4000)
    assert body is not None
    try:
        placeholders(body)
    except ValueError as exc:
        raise Invalid("text", f"has an unbalanced '{{' or '}}': {exc}") from exc
    row = find_text(session, key, lock=True)
    if row is None:
        row = AnswerText(key=key, text=body)
        session.add(row)
    else:
        row.text = body
    mentions.link(session, row, "text", body)
    return row


def render(session: Session, key: str, default: str, **values: Any) -> str:
    """The stored wording for ``key`` (or ``default``) in the language being spoken, filled
    in; never fails on bad templates.

    Staff's own wording, once translated, is used in that language; until then the English
    is shown and noted (:func:`bot.i18n.prose`). The code's default comes from the catalogue.
    """
    stored = get_text(session, key)
    fallback = i18n.t(default)
    if stored is not None:
        template = i18n.prose("text", key, "text", stored) or fallback
    elif i18n.current().english:
        template = default
    else:  # a translation staff saved for the default wording wins over the catalogue's
        found = i18n.current().translations.get(("text", key, "text"))
        template = found[0] if found and found[1].strip() == default.strip() else fallback
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        log.warning("answer text %r has placeholders we cannot fill; using the default", key)
        return fallback.format(**values)
