"""Settings, read from ``BOT_*`` environment variables in exactly one place.

Nothing else in the code base reads the environment: callers pass a :class:`Settings`.

The clock and the Rasa server a command uses are the running assistant's: a setting that
is not in the environment is taken from the run-state file of a live ``bot run``
(:mod:`bot.runstate`), so every process on the machine shares one clock. A variable that
is set wins, even when empty (``BOT_NOW=`` means the real clock).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from bot import runstate
from bot.runstate import RunState, RunStateError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'assistant.db'}"
DEFAULT_TIMEZONE = "America/New_York"
DEFAULT_RASA_URL = "http://127.0.0.1:5005"
#: Where ``bot run`` writes its run-state file (``BOT_RUN_DIR`` overrides).
DEFAULT_RUN_DIR = PROJECT_ROOT / "var" / "run"
#: Where the action server keeps the last routing it read (``BOT_SNAPSHOT_PATH`` overrides).
DEFAULT_SNAPSHOT_PATH = PROJECT_ROOT / "var" / "last-known-routing.json"

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
    rasa_url: str = DEFAULT_RASA_URL
    rasa_token: str | None = field(default=None, repr=False)
    #: The Rasa server's address as a browser sees it (the chat widget posts there).
    public_rasa_url: str = "http://127.0.0.1:5005"
    extra: Mapping[str, str] = field(default_factory=dict)
    # Operations HTTP API (bot serve): browser origins allowed to read /status.json, and
    # write budgets per API token and per client address.
    cors_origins: tuple[str, ...] = ()
    api_writes_per_minute: int = 30
    api_writes_per_minute_per_ip: int = 60
    #: API requests without a valid token allowed per minute from one address.
    api_auth_failures_per_minute_per_ip: int = 30
    #: Rasa's SQL tracker store, read by ``bot nlu inbox`` and ``bot stats``, purged by
    #: ``bot privacy purge`` (None: conversations are kept in memory; pass --tracker-url).
    tracker_url: str | None = field(default=None, repr=False)
    #: Where ``bot run`` keeps its run-state file.
    run_dir: Path = DEFAULT_RUN_DIR
    #: The live ``bot run`` this process takes its clock and Rasa server from, if any.
    run_state: RunState | None = field(default=None, repr=False)
    #: Last known good routing (bot.snapshot): where it is kept, how old it may be used.
    snapshot_path: Path = DEFAULT_SNAPSHOT_PATH
    snapshot_max_age_seconds: int = 24 * 3600
    #: Longer chat messages are refused politely before they reach the language model.
    max_message_chars: int = 1000
    #: Conversations idle longer than this are deleted by ``bot privacy purge``.
    retention_days: int = 30
    #: Chat budgets (messages per minute) per conversation and per client address.
    chat_per_minute_per_sender: int = 20
    chat_per_minute_per_ip: int = 120
    #: Addresses of our own load balancer: a request from one of these is counted against
    #: the address it forwarded for (X-Forwarded-For), not against the balancer's.
    trusted_proxies: frozenset[str] = frozenset()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        run_dir = Path(env.get("BOT_RUN_DIR", "").strip() or DEFAULT_RUN_DIR)
        state = _running(run_dir, clock_needed="BOT_NOW" not in env)
        now, timezone = resolve_clock(env, state)
        rasa_url = env.get("BOT_RASA_URL", "").strip() or (
            state.rasa_url if state and state.rasa_url else DEFAULT_RASA_URL
        )
        rasa_token = env.get("BOT_RASA_TOKEN", "").strip() or None
        if rasa_token is None and state is not None and state.rasa_url == rasa_url:
            rasa_token = state.rasa_token  # never sent to a server other than the run's
        return cls(
            database_url=env.get("BOT_DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL,
            now=now,
            timezone=timezone,
            log_level=env.get("BOT_LOG_LEVEL", "INFO").strip().upper() or "INFO",
            actor=env.get("BOT_ACTOR", "").strip() or env.get("USER", "unknown") or "unknown",
            rasa_url=rasa_url,
            rasa_token=rasa_token,
            public_rasa_url=env.get("BOT_PUBLIC_RASA_URL", "").strip()
            or env.get("BOT_RASA_URL", "").strip()
            or DEFAULT_RASA_URL,
            cors_origins=tuple(
                o.strip().rstrip("/")
                for o in env.get("BOT_CORS_ORIGINS", "").split(",")
                if o.strip()
            ),
            api_writes_per_minute=_positive_int(env, "BOT_API_WRITES_PER_MINUTE", 30),
            api_writes_per_minute_per_ip=_positive_int(env, "BOT_API_WRITES_PER_MINUTE_PER_IP", 60),
            api_auth_failures_per_minute_per_ip=_positive_int(
                env, "BOT_API_AUTH_FAILURES_PER_MINUTE_PER_IP", 30
            ),
            tracker_url=tracker_url_from(env),
            run_dir=run_dir,
            run_state=state,
            snapshot_path=Path(env.get("BOT_SNAPSHOT_PATH", "").strip() or DEFAULT_SNAPSHOT_PATH),
            snapshot_max_age_seconds=_positive_int(env, "BOT_SNAPSHOT_MAX_AGE", 24 * 3600),
            max_message_chars=_positive_int(env, "BOT_MAX_MESSAGE_CHARS", 1000),
            retention_days=_positive_int(env, "BOT_RETENTION_DAYS", 30),
            chat_per_minute_per_sender=_positive_int(env, "BOT_CHAT_PER_MINUTE_PER_SENDER", 20),
            chat_per_minute_per_ip=_positive_int(env, "BOT_CHAT_PER_MINUTE_PER_IP", 120),
            trusted_proxies=frozenset(
                a.strip() for a in env.get("BOT_TRUSTED_PROXIES", "").split(",") if a.strip()
            ),
        )


def tracker_url_from(env: Mapping[str, str]) -> str | None:
    """``BOT_TRACKER_URL``; without it, the PostgreSQL tracker store that
    ``endpoints.production.yml`` names (``BOT_TRACKER_HOST`` as ``host:port``, ``_USER``,
    ``_PASSWORD``, ``_DB``), so what reads the trackers under ``make run-scaled`` finds the
    ones Rasa writes; None when neither is set (``make run``: trackers in memory)."""
    explicit = env.get("BOT_TRACKER_URL", "").strip()
    host = env.get("BOT_TRACKER_HOST", "").strip()
    db = env.get("BOT_TRACKER_DB", "").strip()
    if explicit or not (host and db):
        return explicit or None
    if "://" in host:  # a whole URL, which Rasa's tracker store takes as it is
        return host
    from sqlalchemy.engine import URL

    where = urlsplit(f"//{host}")
    try:
        port = where.port
    except ValueError as exc:
        raise ConfigError(f"BOT_TRACKER_HOST={host!r} is not host or host:port") from exc
    url = URL.create(
        "postgresql",
        username=env.get("BOT_TRACKER_USER", "").strip() or None,
        password=env.get("BOT_TRACKER_PASSWORD", "") or None,
        host=where.hostname or host,
        port=port,
        database=db,
    )
    return url.render_as_string(hide_password=False)


def _running(run_dir: Path, *, clock_needed: bool) -> RunState | None:
    """The live ``bot run``'s state. Unreadable (another user's run) is an error only when
    the clock must come from it: guessing the real clock would stamp changes wrongly."""
    try:
        return runstate.live(run_dir)
    except RunStateError as exc:
        if clock_needed:
            raise ConfigError(
                f"{exc}: run this as the assistant's user, or set BOT_NOW (empty for the "
                "real clock)"
            ) from exc
        return None


def resolve_clock(env: Mapping[str, str], state: RunState | None) -> tuple[datetime | None, str]:
    """The one rule for the clock, used by every process and command.

    ``BOT_NOW`` in the environment wins, even empty (the real clock); without it, the
    pinned moment of the live ``bot run`` (``state``), if any; otherwise the real clock.
    ``BOT_TIMEZONE`` likewise: the environment, else the run's zone, else the default.
    """
    if "BOT_NOW" in env:
        now = _parse_now(env["BOT_NOW"])
    else:
        now = state.now if state is not None else None
    timezone = env.get("BOT_TIMEZONE", "").strip()
    if not timezone and "BOT_TIMEZONE" not in env and state is not None:
        timezone = state.timezone
    return now, timezone or DEFAULT_TIMEZONE


def _parse_now(raw: str) -> datetime | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError as exc:
        raise ConfigError(
            f"BOT_NOW={raw!r} is not an ISO 8601 time (e.g. 2023-11-28T10:00:00-05:00)"
        ) from exc


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
