"""API tokens: issue, list, revoke, and look up by hash.

Tokens are ``secrets.token_urlsafe(32)``: 256 random bits. Only their SHA-256 is stored.
A slow, salted password hash (bcrypt, scrypt) exists to make *guessable* secrets expensive
to brute-force; a 256-bit random token cannot be guessed, so a fast unsalted hash loses
nothing and lets us find the row by an indexed equality lookup on every request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import validation
from bot.errors import Conflict, NotFound
from bot.models import ApiToken, AuditEntry

ROLES = ("editor", "agent")


@dataclass(frozen=True)
class TokenInfo:
    """Who a presented token belongs to (never carries the token or its hash)."""

    name: str
    role: str


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _audit(
    session: Session, now: datetime, action: str, row: ApiToken, before: dict | None
) -> None:
    """Token changes go to the audit trail like any other change (names and roles only)."""
    after = {"name": row.name, "role": row.role, "revoked": row.revoked_at is not None}
    session.add(
        AuditEntry(
            at=now,
            actor=session.info.get("actor", "unknown"),
            entity="api_tokens",
            entity_key=row.name,
            action=action,
            before=before,
            after=after,
        )
    )


def create(session: Session, name: str, role: str, now: datetime) -> tuple[ApiToken, str]:
    """Issue a token; returns the row and the token, which is shown once and not stored."""
    name = validation.key("name", name)
    role = validation.one_of("role", role, ROLES)
    if session.scalar(select(ApiToken).where(ApiToken.name == name)) is not None:
        raise Conflict(f"a token named {name!r} already exists")
    token = secrets.token_urlsafe(32)
    row = ApiToken(
        name=name,
        role=role,
        token_hash=digest(token),
        created_at=now,
        created_by=session.info.get("actor"),
    )
    session.add(row)
    _audit(session, now, "create", row, None)
    return row, token


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.name)))


def revoke(session: Session, name: str, now: datetime) -> ApiToken:
    row = session.scalar(select(ApiToken).where(ApiToken.name == name))
    if row is None:
        raise NotFound("token", name, [t.name for t in list_tokens(session)])
    if row.revoked_at is not None:
        raise Conflict(f"token {name!r} is already revoked")
    before = {"name": row.name, "role": row.role, "revoked": False}
    row.revoked_at = now
    _audit(session, now, "revoke", row, before)
    return row


def authenticate(session: Session, token: str) -> TokenInfo | None:
    """The live (unrevoked) token matching ``token``, or None."""
    wanted = digest(token)
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == wanted))
    if row is None or not hmac.compare_digest(row.token_hash, wanted):
        return None
    if row.revoked_at is not None:
        return None
    return TokenInfo(name=row.name, role=row.role)
