"""Tables of the live store: incidents, channels, routes, date rules, answer texts, the
plan's outgoing messages, audit.

Every editable row records who changed it last and when; the full history lives in
``audit_entries`` (written by :mod:`bot.audit` on every flush, so nothing changes silently).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, declared_attr, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)
Base: Any = declarative_base(metadata=metadata)

CHANNEL_STATUSES = ("up", "degraded", "down")
INCIDENT_STATUSES = ("investigating", "identified", "monitoring", "resolved")
AUDIENCES = ("member", "provider")
CHANNEL_AUDIENCES = ("member", "provider", "all")
CHANNEL_KINDS = ("phone", "email", "portal", "web", "mail", "answering_service")
#: What the plan sends out on its own: automated emails, IVR prompts, web page snippets,
#: scheduled campaigns (see :mod:`bot.services.outbound`).
MESSAGE_KINDS = ("email_template", "ivr_prompt", "web_snippet", "campaign", "sms_template")


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Tracked:
    """Who changed this row last, and when (set by :mod:`bot.audit`), and its version.

    ``version`` starts at 1 and :mod:`bot.audit` adds one on every audited change. The ORM
    writes each change as ``UPDATE ... WHERE id = :id AND version = :seen`` (a
    compare-and-swap), so an edit based on a row someone else changed meanwhile fails
    (``StaleDataError``) instead of silently overwriting it.
    """

    updated_at = Column(UTCDateTime, nullable=True)
    updated_by = Column(String(120), nullable=True)
    version = Column(Integer, nullable=False, default=1, server_default="1")

    @declared_attr
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805 - declarative's convention
        return {"version_id_col": cls.version, "version_id_generator": False}


incident_channels = Table(
    "incident_channels",
    metadata,
    Column("incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
    Column("channel_id", ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True),
)


class Channel(Tracked, Base):
    __tablename__ = "channels"

    id = Column(Integer, primary_key=True)
    key = Column(String(64), nullable=False, unique=True)
    name = Column(String(200), nullable=False)
    kind = Column(String(32), nullable=False)
    audience = Column(String(16), nullable=False, default="all")
    contact = Column(String(300), nullable=False)
    hours = Column(String(200), nullable=True)
    instructions = Column(Text, nullable=True)
    status = Column(String(16), nullable=False, default="up")
    status_note = Column(Text, nullable=True)
    public = Column(Boolean, nullable=False, default=True)
    #: Other names people write for it, e.g. "Vermont Blue Rx" for the pharmacy line; with
    #: the name and the contact, what :mod:`bot.services.mentions` looks for in prose.
    aliases = Column(JSON, nullable=True)

    @property
    def is_up(self) -> bool:
        return self.status != "down"


class Route(Tracked, Base):
    """For a topic and an audience, one channel at one position of the ordered list."""

    __tablename__ = "routes"
    __table_args__ = (UniqueConstraint("topic", "audience", "position"),)

    id = Column(Integer, primary_key=True)
    topic = Column(String(64), nullable=False, index=True)
    audience = Column(String(16), nullable=False)
    position = Column(Integer, nullable=False)
    channel_id = Column(ForeignKey("channels.id", ondelete="CASCADE"), nullable=False)
    note = Column(Text, nullable=True)

    channel = relationship("Channel", lazy="joined")


class Incident(Tracked, Base):
    __tablename__ = "incidents"

    id = Column(Integer, primary_key=True)
    key = Column(String(64), nullable=False, unique=True)
    title = Column(String(200), nullable=False)
    status = Column(String(16), nullable=False, default="investigating")
    started_at = Column(UTCDateTime, nullable=False)
    resolved_at = Column(UTCDateTime, nullable=True)
    summary = Column(Text, nullable=False, default="")
    affected_systems = Column(JSON, nullable=False, default=list)
    working_note = Column(Text, nullable=True)
    data_impact_statement = Column(Text, nullable=True)
    data_impact_confirmed_at = Column(UTCDateTime, nullable=True)
    backlog_note = Column(Text, nullable=True)
    internal_note = Column(Text, nullable=True)
    public = Column(Boolean, nullable=False, default=True)

    channels = relationship("Channel", secondary=incident_channels, lazy="selectin")
    updates = relationship(
        "IncidentUpdate",
        order_by="IncidentUpdate.posted_at",
        lazy="selectin",
        cascade="all, delete-orphan",
        back_populates="incident",
    )
    freshness = relationship(
        "DataFreshness", lazy="selectin", cascade="all, delete-orphan", back_populates="incident"
    )


class IncidentUpdate(Tracked, Base):
    """One timeline entry of an incident, as posted."""

    __tablename__ = "incident_updates"

    id = Column(Integer, primary_key=True)
    incident_id = Column(ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False)
    posted_at = Column(UTCDateTime, nullable=False)
    body = Column(Text, nullable=False)
    public = Column(Boolean, nullable=False, default=True)

    incident = relationship("Incident", back_populates="updates")


class DataFreshness(Tracked, Base):
    """A system whose data lags: 'claims in the Member Resource Center are current through …'."""

    __tablename__ = "data_freshness"

    id = Column(Integer, primary_key=True)
    incident_id = Column(ForeignKey("incidents.id", ondelete="CASCADE"), nullable=True)
    system = Column(String(64), nullable=False)
    label = Column(String(200), nullable=False)
    current_through = Column(Date, nullable=False)
    note = Column(Text, nullable=True)

    incident = relationship("Incident", back_populates="freshness")


class DateRule(Tracked, Base):
    """A policy with a date window, e.g. the prior-authorization waiver of Nov 22–Dec 3, 2023."""

    __tablename__ = "date_rules"

    id = Column(Integer, primary_key=True)
    key = Column(String(64), nullable=False, unique=True)
    title = Column(String(200), nullable=False)
    starts_on = Column(Date, nullable=True)
    ends_on = Column(Date, nullable=True)
    params = Column(JSON, nullable=False, default=dict)
    text = Column(Text, nullable=False, default="")

    @property
    def members(self) -> str | None:
        """Whom the program applies to (``params.members``): prose shown in answers."""
        value = (self.params or {}).get("members")
        return None if value is None else str(value)

    def applies_on(self, day: date) -> bool:
        if self.starts_on is not None and day < self.starts_on:
            return False
        return not (self.ends_on is not None and day > self.ends_on)


class AnswerText(Tracked, Base):
    """Wording staff can change without code: a template keyed by name."""

    __tablename__ = "answer_texts"

    id = Column(Integer, primary_key=True)
    key = Column(String(64), nullable=False, unique=True)
    text = Column(Text, nullable=False)


class OutboundMessage(Tracked, Base):
    """A communication the plan sends without a person in the loop, and whether it is held.

    ``held_at`` is set (with ``held_reason``) when a channel its text names goes down, so an
    email can't keep sending thousands of people to a website that is off; only an editor
    clears it (:func:`bot.services.outbound.release`). Every hold and release is audited.
    """

    __tablename__ = "outbound_messages"

    id = Column(Integer, primary_key=True)
    key = Column(String(64), nullable=False, unique=True)
    name = Column(String(200), nullable=False)
    kind = Column(String(32), nullable=False)
    owner = Column(String(200), nullable=False)
    text = Column(Text, nullable=False)
    schedule = Column(String(200), nullable=True)
    active = Column(Boolean, nullable=False, default=True)
    held_at = Column(UTCDateTime, nullable=True)
    held_reason = Column(Text, nullable=True)

    @property
    def held(self) -> bool:
        return self.held_at is not None


class Translation(Tracked, Base):
    """Stored prose in another language: one field of one row (``owner``/``owner_key``).

    Which fields of which rows can be translated is declared once, in
    :data:`bot.services.translations.FIELDS`. ``approved_at`` is set by an editor's approval
    (audited); the data-impact statement is shown only in approved translations.
    """

    __tablename__ = "translations"
    __table_args__ = (UniqueConstraint("owner", "owner_key", "field", "language"),)

    id = Column(Integer, primary_key=True)
    owner = Column(String(32), nullable=False)
    owner_key = Column(String(200), nullable=False)
    field = Column(String(32), nullable=False)
    language = Column(String(8), nullable=False)
    text = Column(Text, nullable=False)
    #: The English it translates: when the English changes, the translation is out of date
    #: and is not shown (the English is, with a note) until someone translates it again.
    source = Column(Text, nullable=False, default="")
    approved_at = Column(UTCDateTime, nullable=True)
    approved_by = Column(String(120), nullable=True)

    @property
    def key(self) -> str:
        """One name for the audit trail and the mentions: 'incident:lumen:summary:es'."""
        return f"{self.owner}:{self.owner_key}:{self.field}:{self.language}"


class TextMention(Base):
    """A stored text names a channel: which text (one owner column is set), which field,
    the words found and where. Derived by :mod:`bot.services.mentions` whenever the text or
    a channel's name, contact or aliases is saved; not audited (the texts themselves are).
    Deleting the text or the channel deletes its mentions (ON DELETE CASCADE).
    """

    __tablename__ = "text_mentions"

    id = Column(Integer, primary_key=True)
    channel_id = Column(ForeignKey("channels.id", ondelete="CASCADE"), nullable=False, index=True)
    incident_id = Column(ForeignKey("incidents.id", ondelete="CASCADE"), nullable=True)
    incident_update_id = Column(
        ForeignKey("incident_updates.id", ondelete="CASCADE"), nullable=True
    )
    answer_text_id = Column(ForeignKey("answer_texts.id", ondelete="CASCADE"), nullable=True)
    date_rule_id = Column(ForeignKey("date_rules.id", ondelete="CASCADE"), nullable=True)
    outbound_message_id = Column(
        ForeignKey("outbound_messages.id", ondelete="CASCADE"), nullable=True
    )
    translation_id = Column(ForeignKey("translations.id", ondelete="CASCADE"), nullable=True)
    field = Column(String(32), nullable=False)
    found_text = Column(Text, nullable=False)
    span_start = Column(Integer, nullable=False)
    span_end = Column(Integer, nullable=False)

    channel = relationship("Channel")
    incident = relationship("Incident")
    incident_update = relationship("IncidentUpdate")
    answer_text = relationship("AnswerText")
    date_rule = relationship("DateRule")
    outbound_message = relationship("OutboundMessage")
    translation = relationship("Translation")


class AuditEntry(Base):
    """Append-only history: who changed what, when, from what to what."""

    __tablename__ = "audit_entries"

    id = Column(Integer, primary_key=True)
    at = Column(UTCDateTime, nullable=False)
    actor = Column(String(120), nullable=False)
    entity = Column(String(64), nullable=False, index=True)
    entity_key = Column(String(200), nullable=False)
    action = Column(String(16), nullable=False)
    before = Column(JSON, nullable=True)
    after = Column(JSON, nullable=True)


class ApiToken(Base):
    """A bearer token for the operations API: only its SHA-256 is stored, never the token.

    Not audited by the flush hook (it is not store content the assistant says);
    :mod:`bot.services.tokens` writes audit entries for issue and revoke itself.
    """

    __tablename__ = "api_tokens"

    id = Column(Integer, primary_key=True)
    name = Column(String(64), nullable=False, unique=True)
    role = Column(String(16), nullable=False)
    token_hash = Column(String(64), nullable=False, unique=True)
    created_at = Column(UTCDateTime, nullable=False)
    created_by = Column(String(120), nullable=True)
    revoked_at = Column(UTCDateTime, nullable=True)
