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
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str | None = None
    #: The Rasa server's address as a browser sees it (the chat widget posts there).
    public_rasa_url: str = "http://127.0.0.1:5005"
    extra: Mapping[str, str] = field(default_factory=dict)
    # Operations HTTP API (bot serve): browser origins allowed to read /status.json, and
    # write budgets per API token and per client address.
    cors_origins: tuple[str, ...] = ()
    api_writes_per_minute: int = 30
    api_writes_per_minute_per_ip: int = 60
    #: Rasa's SQL tracker store, read by ``bot nlu inbox`` (None: pass --tracker-url).
    tracker_url: str | None = None

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
            rasa_url=env.get("BOT_RASA_URL", "").strip() or "http://127.0.0.1:5005",
            rasa_token=env.get("BOT_RASA_TOKEN", "").strip() or None,
            public_rasa_url=env.get("BOT_PUBLIC_RASA_URL", "").strip()
            or env.get("BOT_RASA_URL", "").strip()
            or "http://127.0.0.1:5005",
            cors_origins=tuple(
                o.strip().rstrip("/")
                for o in env.get("BOT_CORS_ORIGINS", "").split(",")
                if o.strip()
            ),
            api_writes_per_minute=_positive_int(env, "BOT_API_WRITES_PER_MINUTE", 30),
            api_writes_per_minute_per_ip=_positive_int(env, "BOT_API_WRITES_PER_MINUTE_PER_IP", 60),
            tracker_url=env.get("BOT_TRACKER_URL", "").strip() or None,
        )


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ConfigError(f"{name}={raw!r} must be a whole number of at least 1")
    return value
