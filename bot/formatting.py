"""How times, dates and channels read in an answer (one place, so wording stays consistent).

Each reads in the language being spoken (:mod:`bot.i18n`): Spanish month and weekday names
come from the tables below, not from the machine's locale, which may not have them.
"""

from __future__ import annotations

from datetime import date, datetime

from bot import i18n
from bot.clock import Clock
from bot.models import Channel

_MONTHS_ES = (
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
).split()
_WEEKDAYS_ES = "lunes martes miércoles jueves viernes sábado domingo".split()


def _spanish() -> bool:
    return i18n.language() == i18n.SPANISH


def _clock_time(local: datetime) -> str:
    hour = local.strftime("%I").lstrip("0")
    return f"{hour}:{local:%M %p}"


def when(moment: datetime, clock: Clock) -> str:
    """'Nov 28, 2023 at 9:00 AM EST' in the plan's time zone."""
    local = clock.local(moment)
    if _spanish():
        month = _MONTHS_ES[local.month - 1]
        return f"{local.day} de {month} de {local.year} a las {_clock_time(local)} {local:%Z}"
    return f"{local:%b} {local.day}, {local.year} at {_clock_time(local)} {local:%Z}"


def short_when(moment: datetime, clock: Clock) -> str:
    """'10:00 AM' today, 'Nov 27, 8:00 AM' another day: for the one freshness line."""
    local = clock.local(moment)
    time = _clock_time(local)
    if local.date() == clock.now().date():
        return time
    if _spanish():
        year = "" if local.year == clock.now().year else f" de {local.year}"
        return f"{local.day} de {_MONTHS_ES[local.month - 1]}{year}, {time}"
    year = "" if local.year == clock.now().year else f" {local.year}"
    return f"{local:%b} {local.day}{year}, {time}"


def checked(clock: Clock) -> str:
    """The single freshness line every live answer ends with."""
    return i18n.t("(Checked {time}.)").format(time=short_when(clock.now(), clock))


def name(channel: Channel) -> str:
    """The channel's name in the language being spoken."""
    return str(i18n.prose("channel", channel.key, "name", channel.name))


def place(channel: Channel) -> str:
    """A channel's name without its parenthetical ('Member Resource Center')."""
    return name(channel).split(" (")[0]


def day(value: date) -> str:
    """'November 26, 2023' ('26 de noviembre de 2023')."""
    if _spanish():
        return f"{value.day} de {_MONTHS_ES[value.month - 1]} de {value.year}"
    return f"{value:%B} {value.day}, {value.year}"


def weekday_day(value: date) -> str:
    if _spanish():
        return f"{_WEEKDAYS_ES[value.weekday()]}, {day(value)}"
    return f"{value:%A}, {day(value)}"


def contact_is_prose(channel: Channel) -> bool:
    """Whether a channel's contact is words to translate ("log in to the Member Resource
    Center and …"), not a number or an address read as is."""
    if channel.kind == "web":
        return False
    return not (
        channel.kind in ("phone", "answering_service")
        and any(ch.isdigit() for ch in channel.contact)
    )


def how_to_reach(channel: Channel) -> str:
    """An instruction a person can follow: 'call the Medicare Part D line at (888) 620-1746'."""
    contact = channel.contact
    if contact_is_prose(channel):
        contact = str(i18n.prose("channel", channel.key, "contact", contact))
    if channel.kind in ("phone", "answering_service"):
        if not contact_is_prose(channel):
            text = i18n.t("call the {name} at {contact}").format(
                name=name(channel), contact=contact
            )
        else:
            text = i18n.t("call {contact}").format(contact=contact)
    elif channel.kind == "web":
        text = i18n.t("go to {contact}").format(contact=contact)
    else:
        text = contact
    instructions = i18n.prose("channel", channel.key, "instructions", channel.instructions)
    if instructions:
        text = f"{text}. {instructions.rstrip('.')}"
    note = i18n.prose("channel", channel.key, "status_note", channel.status_note)
    if channel.status == "degraded" and note:
        text = i18n.t("{text}. Note: {note}").format(text=text.rstrip("."), note=note)
    return _contract(text)


def _contract(text: str) -> str:
    """Spanish contracts 'a el' to 'al' and 'de el' to 'del' (a channel's name may start
    with its article)."""
    if not _spanish():
        return text
    return text.replace(" a el ", " al ").replace(" de el ", " del ")


def sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?", ")")) else text + "."
