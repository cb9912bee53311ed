"""Translations of stored prose: which fields can be translated, saving, approving, gaps.

:data:`FIELDS` is the one list of translatable prose; the CLI, the API, the gap report and
the answers' reader (:func:`speaking_state`) all derive from it. A translation records the
English it translates (``source``): once the English changes, the translation is out of
date and answers show the English with a note until it is translated again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import i18n, validation
from bot.audit import entity_key
from bot.db import for_change
from bot.errors import Invalid, NotFound
from bot.models import (
    AnswerText,
    Channel,
    DataFreshness,
    DateRule,
    Incident,
    IncidentUpdate,
    Translation,
)
from bot.services import mentions


@dataclass(frozen=True)
class Translatable:
    """Rows of one model whose prose fields carry translations."""

    model: type
    fields: tuple[str, ...]
    #: Fields shown in another language only once an editor approved that translation.
    approval: tuple[str, ...] = ()


FIELDS: dict[str, Translatable] = {
    "text": Translatable(AnswerText, ("text",)),
    # A contact is translated only when it is words (formatting.contact_is_prose).
    "channel": Translatable(Channel, ("name", "contact", "hours", "instructions", "status_note")),
    "incident": Translatable(
        Incident,
        ("title", "summary", "working_note", "data_impact_statement", "backlog_note"),
        approval=("data_impact_statement",),
    ),
    "incident_update": Translatable(IncidentUpdate, ("body",)),
    "rule": Translatable(DateRule, ("title", "text", "members")),
    "freshness": Translatable(DataFreshness, ("label", "note")),
}
_OWNERS: dict[type, str] = {spec.model: name for name, spec in FIELDS.items()}
OTHER_LANGUAGES = tuple(lang for lang in i18n.LANGUAGES if lang != i18n.ENGLISH)


def owner_of(row: Any) -> str:
    return _OWNERS[type(row)]


def key_of(row: Any) -> str:
    """The row's name in a translation: its key ('lumen'), or for an update or a freshness
    line the audit trail's name of it ('lumen@2023-11-27T13:00:00+00:00', 'lumen/claims')."""
    return entity_key(row)


def prose(row: Any, field_name: str) -> Any:
    """``row.<field_name>`` in the language being spoken (see :func:`bot.i18n.prose`)."""
    return i18n.prose(owner_of(row), key_of(row), field_name, getattr(row, field_name))


def _language(value: Any) -> str:
    language = i18n.normalise(value)
    if language not in OTHER_LANGUAGES:
        raise Invalid("language", f"must be one of {', '.join(OTHER_LANGUAGES)}")
    return language


def _spec(owner: Any, field_name: Any) -> Translatable:
    spec = FIELDS.get(str(owner))
    if spec is None:
        raise Invalid("owner", f"must be one of {', '.join(FIELDS)}")
    if field_name not in spec.fields:
        raise Invalid("field", f"{owner} fields that can be translated: {', '.join(spec.fields)}")
    return spec


def rows_of(session: Session, owner: str) -> list[Any]:
    model: Any = FIELDS[owner].model
    return list(session.scalars(select(model).order_by(model.id)))


def source_row(session: Session, owner: str, key: str) -> Any:
    """The row a translation belongs to (None for an answer text still at its default)."""
    for row in rows_of(session, owner):
        if key_of(row) == key:
            return row
    if owner == "text":
        return None
    raise NotFound(owner, key, [key_of(r) for r in rows_of(session, owner)])


def find(
    session: Session, owner: str, key: str, field_name: str, language: str, *, lock: bool = False
) -> Translation | None:
    query = select(Translation).where(
        Translation.owner == owner,
        Translation.owner_key == key,
        Translation.field == field_name,
        Translation.language == language,
    )
    return session.scalar(for_change(query) if lock else query)


def english_of(session: Session, owner: str, key: str, field_name: str) -> str:
    """The English a translation of this field translates now ('' if none is stored)."""
    return _english(source_row(session, owner, key), key, field_name)


def _english(row: Any, key: str, field_name: str) -> str:
    if row is None:  # an answer text at its default: the code's wording
        from bot import wording

        return wording.default_text(key) or ""
    return str(getattr(row, field_name) or "")


def set_translation(
    session: Session, owner: str, key: str, field_name: str, language: str, text: str
) -> Translation:
    """Save the translation of the field's current English; a changed text needs approval again."""
    _spec(owner, field_name)
    language = _language(language)
    key = validation.text("key", key, max_len=200) or ""
    if owner == "text":
        key = validation.key("key", key)
    row = source_row(session, owner, key)
    if row is not None and not translatable(row, field_name):
        raise Invalid("field", "a number or web address is not translated")
    body = validation.text("text", text, max_len=4000)
    assert body is not None
    source = _english(row, key, field_name)
    row = find(session, owner, key, field_name, language, lock=True)
    if row is None:
        row = Translation(owner=owner, owner_key=key, field=field_name, language=language)
        session.add(row)
    if row.text != body or row.source != source:
        row.approved_at = None
        row.approved_by = None
    row.text = body
    row.source = source
    mentions.link(session, row, "text", body if linked(row) else None)
    return row


def linked(row: Translation) -> bool:
    """Linked to the channels it names exactly when the English it translates is (a
    channel's own name in Spanish is not a mention of it)."""
    model = FIELDS[row.owner].model
    return row.field in mentions.LINKED_FIELDS.get(model, ())


def approve(
    session: Session,
    owner: str,
    key: str,
    field_name: str,
    language: str,
    *,
    actor: str,
    now: datetime,
) -> Translation:
    """An editor approves the translation as it stands (audited like every change)."""
    _spec(owner, field_name)
    language = _language(language)
    row = find(session, owner, key, field_name, language, lock=True)
    if row is None:
        raise NotFound("translation", f"{owner}:{key}:{field_name}:{language}", [])
    if row.source.strip() != english_of(session, owner, key, field_name).strip():
        raise Invalid("translation", "the English changed since it was translated: update it first")
    row.approved_at = now
    row.approved_by = actor
    return row


def delete(session: Session, owner: str, key: str, field_name: str, language: str) -> None:
    _spec(owner, field_name)
    row = find(session, owner, key, field_name, _language(language), lock=True)
    if row is None:
        raise NotFound("translation", f"{owner}:{key}:{field_name}:{language}", [])
    session.delete(row)


def list_translations(session: Session, language: str | None = None) -> list[Translation]:
    query = select(Translation).order_by(
        Translation.owner, Translation.owner_key, Translation.field, Translation.language
    )
    if language is not None:
        query = query.where(Translation.language == _language(language))
    return list(session.scalars(query))


def speaking_state(session: Session, language: str | None) -> i18n.Speaking:
    """What an answer in ``language`` reads: the store's usable translations into it."""
    lang = i18n.normalise(language) or i18n.ENGLISH
    if lang == i18n.ENGLISH:
        return i18n.Speaking()
    found: dict[tuple[str, str, str], tuple[str, str]] = {}
    for row in session.scalars(select(Translation).where(Translation.language == lang)):
        spec = FIELDS.get(row.owner)
        if spec is None or (row.field in spec.approval and row.approved_at is None):
            continue
        found[(row.owner, row.owner_key, row.field)] = (row.text, row.source)
    return i18n.Speaking(language=lang, translations=found)


@dataclass(frozen=True)
class Gap:
    """Prose a reader in ``language`` would see in English: why (missing, outdated or
    unapproved) and the English itself."""

    owner: str
    key: str
    field: str
    language: str
    reason: str
    english: str


def gaps(session: Session, language: str | None = None) -> list[Gap]:
    """Every stored English field with no usable translation, and every code template
    missing from the catalogue (owner ``code``)."""
    from bot import wording

    languages = (_language(language),) if language else OTHER_LANGUAGES
    have = {(t.owner, t.owner_key, t.field, t.language): t for t in list_translations(session)}
    found: list[Gap] = []
    for lang in languages:
        for owner, spec in FIELDS.items():
            for row in rows_of(session, owner):
                for name in spec.fields:
                    english = str(getattr(row, name) or "").strip()
                    if not english or not translatable(row, name):
                        continue
                    translation = have.get((owner, key_of(row), name, lang))
                    reason = _reason(translation, english, name in spec.approval)
                    if reason:
                        found.append(Gap(owner, key_of(row), name, lang, reason, english))
        catalogue = i18n.catalogue(lang)
        for template in wording.templates():
            if template.english not in catalogue:
                found.append(Gap("code", template.where, "", lang, "missing", template.english))
    return found


def translatable(row: Any, field_name: str) -> bool:
    """A number or web address is the same in every language: no translation to miss."""
    from bot.formatting import contact_is_prose

    return not (isinstance(row, Channel) and field_name == "contact") or contact_is_prose(row)


def _reason(translation: Translation | None, english: str, needs_approval: bool) -> str | None:
    if translation is None:
        return "missing"
    if translation.source.strip() != english:
        return "outdated"
    if needs_approval and translation.approved_at is None:
        return "unapproved"
    return None
