"""The one clock every date rule reads.

Pin it with ``BOT_NOW`` (tests, demos); otherwise it is the wall clock. All times
are timezone-aware; naive pinned times are taken as the plan's local time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config import ConfigError, Settings


@dataclass(frozen=True)
class Clock:
    zone: ZoneInfo
    pinned: datetime | None = None
    source: Callable[[], datetime] = lambda: datetime.now(UTC)

    @classmethod
    def from_settings(cls, settings: Settings) -> Clock:
        try:
            zone = ZoneInfo(settings.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(
                f"BOT_TIMEZONE={settings.timezone!r} is not a known time zone"
            ) from exc
        pinned = settings.now
        if pinned is not None and pinned.tzinfo is None:
            pinned = pinned.replace(tzinfo=zone)
        return cls(zone=zone, pinned=pinned)

    @classmethod
    def fixed(cls, when: datetime, zone: str = "America/New_York") -> Clock:
        tz = ZoneInfo(zone)
        return cls(zone=tz, pinned=when if when.tzinfo else when.replace(tzinfo=tz))

    def now(self) -> datetime:
        """Current time in the plan's time zone."""
        current = self.pinned if self.pinned is not None else self.source()
        return current.astimezone(self.zone)

    def today(self) -> date:
        return self.now().date()

    def local(self, moment: datetime) -> datetime:
        """Show a stored time in the plan's zone (SQLite hands back naive UTC)."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(self.zone)
