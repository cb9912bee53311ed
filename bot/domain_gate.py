"""Other organisations' business is not ours: "is AT&T down", "my Geico premium".

A message that names another company or agency (utilities, phone carriers, other insurers
and lines of insurance, government agencies, banks and shops) and nothing of ours is
answered honestly ("I can't help with that", with the plan's working channels) however
much it shares words with our topics. Pharmacies are not "others": members reach the plan
through them ("Walgreens says my prior auth expired"). The lists live in
``data/organisations.yml`` so trainers can extend them without touching code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from bot.config import PROJECT_ROOT

ORGANISATIONS = PROJECT_ROOT / "data" / "organisations.yml"


def _pattern(names: list[str]) -> re.Pattern[str]:
    alternatives = sorted({n.lower() for n in names}, key=len, reverse=True)
    body = "|".join(re.escape(a).replace(r"\ ", r"[\s-]+") for a in alternatives)
    return re.compile(rf"(?<![\w&])(?:{body})(?![\w&])", re.IGNORECASE)


@dataclass(frozen=True)
class Gate:
    ours: re.Pattern[str]
    others: re.Pattern[str]

    @classmethod
    def load(cls, path: Path = ORGANISATIONS) -> Gate:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        others = [name for group in data["others"].values() for name in group]
        return cls(ours=_pattern(data["ours"]), others=_pattern(others))

    def other_named(self, text: str) -> str | None:
        """The other organisation a message is about, when it names none of ours."""
        if self.ours.search(text):
            return None
        found = self.others.search(text)
        return found.group(0) if found else None


@cache
def shared() -> Gate:
    return Gate.load()
