"""Settings, read from ``BOT_*`` environment variables in exactly one place.

Nothing else in the code base reads the environment: callers pass a :class:`Settings`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'assistant.db'}"
DEFAULT_TIMEZONE = "America/New_York"

#: Variables that keep Rasa (and anything it pulls in) from phoning home.
NO_PHONE_HOME_ENV = {
    "RASA_TELEMETRY_ENABLED": "false",
    "SENTRY_DSN": "",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "HF_HUB_OFFLINE": "1",
}


class ConfigError(ValueError):
    """A setting has a value we cannot use; the message names the variable."""


def disable_phone_home(environ: dict[str, str] | None = None) -> None:
    """Force the no-telemetry variables, in this process and the children it starts."""
    target = os.environ if environ is None else environ
    for key, value in NO_PHONE_HOME_ENV.items():
        target[key] = value


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    now: datetime | None = None
    timezone: str = DEFAULT_TIMEZONE
    log_level: str = "INFO"
    actor: str = "unknown"
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        now = None
        raw_now = env.get("BOT_NOW", "").strip()
        if raw_now:
            try:
                now = datetime.fromisoformat(raw_now)
            except ValueError as exc:
                raise ConfigError(
                    f"BOT_NOW={raw_now!r} is not an ISO 8601 time (e.g. 2023-11-28T10:00:00-05:00)"
                ) from exc
        timezone = env.get("BOT_TIMEZONE", DEFAULT_TIMEZONE).strip() or DEFAULT_TIMEZONE
        return cls(
            database_url=env.get("BOT_DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL,
            now=now,
            timezone=timezone,
            log_level=env.get("BOT_LOG_LEVEL", "INFO").strip().upper() or "INFO",
            actor=env.get("BOT_ACTOR", "").strip() or env.get("USER", "unknown") or "unknown",
        )
