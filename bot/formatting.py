"""How times, dates and channels read in an answer (one place, so wording stays consistent)."""

from __future__ import annotations

from datetime import date, datetime

from bot.clock import Clock
from bot.models import Channel


def when(moment: datetime, clock: Clock) -> str:
    """'Nov 28, 2023 at 9:00 AM EST' in the plan's time zone."""
    local = clock.local(moment)
    hour = local.strftime("%I").lstrip("0")
    return f"{local:%b} {local.day}, {local.year} at {hour}:{local:%M %p %Z}"


def short_when(moment: datetime, clock: Clock) -> str:
    """'10:00 AM' today, 'Nov 27, 8:00 AM' another day: for the one freshness line."""
    local = clock.local(moment)
    hour = local.strftime("%I").lstrip("0")
    time = f"{hour}:{local:%M %p}"
    if local.date() == clock.now().date():
        return time
    year = "" if local.year == clock.now().year else f" {local.year}"
    return f"{local:%b} {local.day}{year}, {time}"


def checked(clock: Clock) -> str:
    """The single freshness line every live answer ends with."""
    return f"(Checked {short_when(clock.now(), clock)}.)"


def place(channel: Channel) -> str:
    """A channel's name without its parenthetical ('Member Resource Center')."""
    return channel.name.split(" (")[0]


def day(value: date) -> str:
    """'November 26, 2023'."""
    return f"{value:%B} {value.day}, {value.year}"


def weekday_day(value: date) -> str:
    return f"{value:%A}, {day(value)}"


def how_to_reach(channel: Channel) -> str:
    """An instruction a person can follow: 'call the Medicare Part D line at (888) 620-1746'."""
    contact = channel.contact
    if channel.kind in ("phone", "answering_service"):
        if any(ch.isdigit() for ch in contact):
            text = f"call the {channel.name} at {contact}"
        else:
            text = f"call {contact}"
    elif channel.kind == "web":
        text = f"go to {contact}"
    else:
        text = contact
    if channel.instructions:
        text = f"{text}. {channel.instructions.rstrip('.')}"
    if channel.status == "degraded" and channel.status_note:
        text = f"{text.rstrip('.')}. Note: {channel.status_note}"
    return text


def sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?", ")")) else text + "."
