"""What the HTTP service needs to run: built from :class:`bot.config.Settings` or by tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.clock import Clock
from bot.config import Settings
from bot.db import STORE_TIMEOUT_SECONDS


@dataclass(frozen=True)
class WebConfig:
    database_url: str
    clock: Clock
    #: Browser origins allowed to read /status.json cross-site (exact match, no wildcard).
    cors_origins: tuple[str, ...] = ()
    writes_per_minute_per_token: int = 30
    writes_per_minute_per_ip: int = 60
    #: Requests without a valid token, per client address (past it: 429 for them only).
    auth_failures_per_minute_per_ip: int = 30
    #: Largest accepted request body; larger ones get 413 before we parse them.
    client_max_size: int = 64 * 1024
    #: Longer than the store's own connect/statement timeouts, so the database gives up
    #: first and a write is never reported as failed while it still commits behind us.
    store_timeout: float = STORE_TIMEOUT_SECONDS + 3.0
    store_threads: int = 8
    #: The Rasa server: parsed by the agents' lookup (token-protected HTTP API) and
    #: posted to by the member chat widget (its public address).
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str | None = None
    public_rasa_url: str = "http://127.0.0.1:5005"
    #: Injectable for the rate limiter, so tests advance time without sleeping.
    monotonic: Callable[[], float] = time.monotonic
    #: While the store is down, /status.json serves its last good document, marked stale,
    #: for at most this long (store-clock seconds, like the chat's last known routing).
    stale_status_max_age: float = 24 * 3600
    #: Rasa's SQL tracker store, read by /api/stats (None: conversations kept in memory).
    tracker_url: str | None = field(default=None, repr=False)
    #: The chat's last known routing (bot/snapshot.py), kept current from the store every
    #: so many seconds, so a change made while nobody chats is there when the action
    #: server dies. None: not kept by this process.
    snapshot_path: Path | None = None
    snapshot_refresh_seconds: float = 15.0

    @classmethod
    def from_settings(cls, settings: Settings) -> WebConfig:
        return cls(
            database_url=settings.database_url,
            clock=Clock.from_settings(settings),
            cors_origins=tuple(settings.cors_origins),
            writes_per_minute_per_token=settings.api_writes_per_minute,
            writes_per_minute_per_ip=settings.api_writes_per_minute_per_ip,
            auth_failures_per_minute_per_ip=settings.api_auth_failures_per_minute_per_ip,
            rasa_url=settings.rasa_url,
            rasa_token=settings.rasa_token,
            public_rasa_url=settings.public_rasa_url,
            stale_status_max_age=settings.snapshot_max_age_seconds,
            tracker_url=settings.tracker_url,
            snapshot_path=settings.snapshot_path,
        )
