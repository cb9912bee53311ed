"""Who is asking and what about, read from any message: audience, service, network, urgency, date.

Why not the classifier: these are closed sets of values that people spell a hundred ways,
and a prior-auth answer is only right if every detail the person gave up front is kept.
A deterministic reader never forgets "in-network knee arthroscopy on Nov 30" in the first
message, gives the same result in the chat and in the agents' lookup, and is testable
word by word.

One vocabulary: the canonical values of each entity are the categorical values of its slot
in ``domain.yml``; the ways people write them are the synonyms in
``data/nlu/synonyms.yml`` (which trainers already edit). Open-ended ways of saying who you
are ("this is the orthopedic office", "calling for my mom") are the patterns below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.config import PROJECT_ROOT
from bot.dates import find_date

DOMAIN = PROJECT_ROOT / "domain.yml"
#: English first, then the other languages' ways of writing the same values.
SYNONYMS = (
    PROJECT_ROOT / "data" / "nlu" / "synonyms.yml",
    PROJECT_ROOT / "data" / "nlu" / "es" / "synonyms.yml",
)
DATE = "DATE"

_OFFICE = r"(?:office|clinic|practice|surgery center|hospital|facility|pharmacy|front desk)"
_OFICINA = (
    r"(?:[\w'-]+\s+){0,2}?(?:consultorio|cl[ií]nica|oficina|hospital|farmacia|centro|"
    r"pr[aá]ctica)\b"
)
#: How people say who they are when it is not a fixed phrase.
AUDIENCE_PATTERNS: dict[str, list[str]] = {
    "provider": [
        r"\bprovider(?:'s)?\s+(?:here|office|calling)\b",
        r"\b(?:i'?m|i am|we'?re|we are|this is)\s+(?:a|an|the)\s+provider\b",
        rf"\b(?:this is|calling from|i'?m with|i am with|i work at|i'?m at|we'?re|we are)\s+"
        rf"(?:the\s+|a\s+|an\s+|dr\.?\s+\w+'?s\s+)?(?:[\w'-]+\s+){{0,3}}{_OFFICE}\b",
        r"\b(?:our|my)\s+(?:[\w'-]+\s+)?(?:practice|clinic|office|facility|patient|patients)\b",
        r"\b(?:doctor'?s|doctors|physician'?s|dr'?s)\s+office\b",
        r"\b(?:office manager|front desk|billing office|npi)\b",
        r"\bfor\s+(?:a|our|my)\s+patient\b",
        # Spanish: "llamo de un consultorio", "somos una clínica", "soy el proveedor".
        rf"\b(?:llamo|llamamos|hablo|hablamos|escribo|escribimos)\s+(?:de|desde|del)\s+"
        rf"(?:(?:el|la|un|una|nuestro|nuestra)\s+)?{_OFICINA}",
        rf"\b(?:somos|soy)\s+(?:de\s+)?(?:el|la|un|una)\s+{_OFICINA}",
        r"\b(?:soy|somos)\s+(?:el|la|los|un|una)?\s*proveedor(?:a|es)?\b",
        r"\b(?:nuestro|nuestra|nuestros|nuestras)\s+(?:consultorio|cl[ií]nica|oficina|"
        r"pr[aá]ctica|paciente|pacientes)\b",
        r"\b(?:mi|mis|un|una)\s+pacientes?\b",
        r"\b(?:consultorio|oficina)\s+(?:m[eé]dic[oa]|del?\s+(?:doctor|doctora|m[eé]dico|dr\.?))",
    ],
    "member": [
        r"\b(?:i'?m|i am)\s+(?:a|the)\s+(?:member|subscriber|policyholder|policy holder)\b",
        r"\bmember here\b",
        r"\b(?:calling|asking|writing)\s+(?:for|about|on behalf of)\s+my\s+"
        r"(?:mom|mother|dad|father|husband|wife|son|daughter|child|kid|parent|grandma|"
        r"grandmother|grandpa|grandfather|partner|spouse)\b",
        r"\bmy\s+(?:mom|mother|dad|father|husband|wife|son|daughter|child|kid|parent|"
        r"spouse)'?s?\s+(?:plan|insurance|coverage|card|prescription|pharmacy|meds)\b",
        r"\b(?:soy|yo soy)\s+(?:el|la|un|una)?\s*(?:afiliad[oa]|miembro|asegurad[oa]|soci[oa])\b",
        r"\b(?:llamo|pregunto|escribo)\s+(?:por|para|de parte de)\s+(?:mi|mis)\s+"
        r"(?:mam[aá]|madre|pap[aá]|padre|esposo|esposa|marido|hij[oa]s?|abuel[oa]|pareja)\b",
    ],
}


#: A message that continues the last question with changed details ("what if it's out of
#: network?", "¿y si es urgente?") rather than asking a new one.
FOLLOW_UP = re.compile(
    r"^[\W_]*(?:(?:ok(?:ay)?|so|but|and|also|y|pero|entonces|bueno|vale)[\s,]+)*"
    r"(?:what if|what about|how about|if|would it|does it|is it|would that|si|"
    r"qu[eé] pasa si|qu[eé] tal si|y (?:para|con|en)|tambi[eé]n)\b",
    re.I,
)


def is_follow_up(text: str) -> bool:
    return bool(FOLLOW_UP.match((text or "").replace("’", "'")))


@dataclass(frozen=True)
class Found:
    """One entity value and where it was read."""

    entity: str
    value: str
    start: int
    end: int
    text: str

    def as_rasa(self, extractor: str) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "value": self.value,
            "start": self.start,
            "end": self.end,
            "confidence_entity": 1.0,
            "extractor": extractor,
        }


def entity_values(domain_path: Path = DOMAIN) -> dict[str, list[str]]:
    """Entity → canonical values, from the categorical slots filled by that entity."""
    domain = yaml.safe_load(domain_path.read_text())
    result: dict[str, list[str]] = {}
    for slot in (domain.get("slots") or {}).values():
        if slot.get("type") != "categorical":
            continue
        for mapping in slot.get("mappings") or []:
            if mapping.get("type") == "from_entity":
                result[mapping["entity"]] = [str(v) for v in slot.get("values") or []]
    return result


def synonyms(paths: Path | tuple[Path, ...] = SYNONYMS) -> dict[str, list[str]]:
    """Canonical value → the ways people write it, in every language's synonyms file."""
    result: dict[str, list[str]] = {}
    for path in (paths,) if isinstance(paths, Path) else paths:
        data = yaml.safe_load(path.read_text())
        for item in data.get("nlu") or []:
            if "synonym" not in item:
                continue
            variants = [
                line.strip()[2:].strip()
                for line in str(item.get("examples", "")).splitlines()
                if line.strip().startswith("- ")
            ]
            result.setdefault(str(item["synonym"]), []).extend(variants)
    return result


#: Entities whose listed synonyms are ambiguous inside a sentence (see Vocabulary.load).
WEAK_ENTITIES = {"audience"}
#: A message this short is a reply to "are you the member or the provider?".
SHORT_REPLY_WORDS = 5


@dataclass(frozen=True)
class Pattern:
    entity: str
    value: str
    regex: re.Pattern[str]
    weak: bool = False


@dataclass(frozen=True)
class Vocabulary:
    patterns: list[Pattern]

    @classmethod
    def load(
        cls, domain_path: Path = DOMAIN, synonyms_path: Path | tuple[Path, ...] = SYNONYMS
    ) -> Vocabulary:
        values = entity_values(domain_path)
        variants = synonyms(synonyms_path)
        patterns: list[Pattern] = []
        for entity, canonical in values.items():
            for value in canonical:
                # "member" or "provider" alone is no sign of who is asking ("my provider
                # said…", "member ID"): those words count only as a short reply.
                weak = entity in WEAK_ENTITIES
                for variant in [value.replace("_", " "), *variants.get(value, [])]:
                    words = r"[\s-]+".join(re.escape(w) for w in variant.lower().split())
                    regex = re.compile(rf"(?<![\w/]){words}(?![\w/])", re.I)
                    patterns.append(Pattern(entity, value, regex, weak))
            for value, regexes in AUDIENCE_PATTERNS.items() if entity == "audience" else ():
                patterns.extend(Pattern(entity, value, re.compile(r, re.I)) for r in regexes)
        return cls(patterns)

    def read(self, text: str) -> list[Found]:
        """At most one value per entity: the longest phrase wins, then the earliest."""
        text = (text or "").replace("’", "'")
        short = len(text.split()) <= SHORT_REPLY_WORDS
        hits: list[Found] = []
        for p in self.patterns:
            if p.weak and not short:
                continue
            for match in p.regex.finditer(text):
                hits.append(Found(p.entity, p.value, match.start(), match.end(), match.group(0)))
        hits.sort(key=lambda f: (-(f.end - f.start), f.start))
        taken: list[Found] = []
        for hit in hits:
            if any(hit.start < t.end and t.start < hit.end for t in taken):
                continue
            taken.append(hit)
        chosen: dict[str, Found] = {}
        for hit in sorted(taken, key=lambda f: f.start):
            chosen.setdefault(hit.entity, hit)
        span = find_date(text)
        if span is not None:
            words = text[span[0] : span[1]]
            chosen[DATE] = Found(DATE, words, span[0], span[1], words)
        return sorted(chosen.values(), key=lambda f: f.start)


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    return Vocabulary.load()


def read(text: str) -> dict[str, str]:
    """Entity → value for one message (for the agents' lookup and tests)."""
    return {f.entity: f.value for f in vocabulary().read(text)}
