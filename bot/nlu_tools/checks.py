"""``bot nlu check``: fast checks of the NLU training data, before anyone trains a model.

Trainers edit YAML by hand; a mistake usually shows up only as a quietly worse model ten
minutes of training later. These checks read the files directly (no Rasa, no TensorFlow),
name ``file:line`` and say what to do. ERRORs (exit 1) break training or leak data;
WARNINGs are worth a look but do not block.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.scalarstring import LiteralScalarString

from bot.config import PROJECT_ROOT
from bot.nlu_tools.redact import DEFAULT_SCENARIO, find_personal_data, plan_phone_numbers, redact

ERROR = "ERROR"
WARNING = "WARNING"
DEFAULT_DATA = PROJECT_ROOT / "data" / "nlu"
DEFAULT_DOMAIN = PROJECT_ROOT / "domain.yml"
DEFAULT_HELD_OUT = PROJECT_ROOT / "tests" / "nlu"
#: Every set the model is scored on (held-out, development, frozen and fresh blind): a
#: training message equal to one of them makes its score a lie.
EVALUATION_SETS = (DEFAULT_HELD_OUT,) + tuple(
    PROJECT_ROOT / "tests" / name
    for name in ("nlu_dev", "nlu_blind", "nlu_fresh", "nlu_es", "nlu_blind_es", "nlu_fresh_es")
)
MIN_EXAMPLES = 20
#: A message of at most this many words ("hi", "in network", "what's my deductible") is one
#: that independent writers write alike: training may hold it too, and the scorer leaves
#: such overlaps out (``bot.nlu_tools.tiers``). A longer one in both is a copy.
TERSE_WORDS = 4
NEAR_JACCARD = 0.9
NEAR_RATIO = 0.92
#: Predicted by the FallbackClassifier, never trained: needs no examples.
#: Intents no classifier learns (the fallback: FallbackClassifier sets it).
UNTRAINED_INTENTS = frozenset({"nlu_fallback"})
#: A file whose header says this is written by a script (e.g. out_of_scope_clinc.yml).
GENERATED_MARK = re.compile(r"^#\s*GENERATED\b", re.MULTILINE)

# Rasa's own annotation syntax (rasa/shared/nlu/training_data/entities_parser.py):
# [text](entity) | [text](entity:value) | [text]{"entity": ...} | [text][{...}, {...}]
ENTITY_REGEX = re.compile(
    r"\[(?P<entity_text>[^\]]+?)\](\((?P<entity>[^:)]+?)(?:\:(?P<value>[^)]+))?\)"
    r"|\{(?P<entity_dict>[^}]+?)\}|\[(?P<list_entity_dicts>.*?)\])"
)


@dataclass(frozen=True)
class Issue:
    severity: str
    path: Path
    line: int | None
    message: str

    def render(self, root: Path | None = None) -> str:
        return f"{_where(self.path, self.line, root)}: {self.severity}: {self.message}"


@dataclass(frozen=True)
class Annotation:
    entity: str
    text: str
    value: str | None  # the explicit value, when the annotation gives one


@dataclass(frozen=True)
class Example:
    intent: str
    raw: str  # as written, with annotations
    path: Path
    line: int
    generated: bool = False

    @property
    def text(self) -> str:
        return parse_annotations(self.raw)[0]

    @property
    def annotations(self) -> tuple[Annotation, ...]:
        return parse_annotations(self.raw)[1]

    @property
    def key(self) -> str:
        return normalise(self.text)


@dataclass(frozen=True)
class SynonymEntry:
    canonical: str
    text: str
    path: Path
    line: int


@dataclass
class NluData:
    examples: list[Example] = field(default_factory=list)
    synonyms: list[SynonymEntry] = field(default_factory=list)
    #: First line of each ``- intent:`` block, per intent.
    blocks: dict[str, list[tuple[Path, int]]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    def extend(self, other: NluData) -> None:
        self.examples += other.examples
        self.synonyms += other.synonyms
        for intent, where in other.blocks.items():
            self.blocks.setdefault(intent, []).extend(where)
        self.issues += other.issues


@dataclass
class Domain:
    path: Path
    intents: dict[str, int] = field(default_factory=dict)  # name -> line
    entities: dict[str, int] = field(default_factory=dict)
    #: Entity -> allowed values, from categorical slots filled from that entity.
    values: dict[str, set[str]] = field(default_factory=dict)


def _where(path: Path, line: int | None, root: Path | None = None) -> str:
    shown = path
    for base in (root, Path.cwd()):
        if base is not None:
            try:
                shown = path.resolve().relative_to(base.resolve())
                break
            except ValueError:
                continue
    return f"{shown}:{line}" if line else str(shown)


def normalise(text: str) -> str:
    """Case- and space-insensitive form: what counts as 'the same example'."""
    return " ".join(text.lower().split())


def tokens(text: str) -> list[str]:
    return re.findall(r"\w+(?:'\w+)?", text.lower())


@lru_cache(maxsize=16384)
def parse_annotations(raw: str) -> tuple[str, tuple[Annotation, ...]]:
    """Plain text and annotations of an example; ValueError for an unreadable ``{...}``."""
    plain: list[str] = []
    found: list[Annotation] = []
    last = 0
    for match in ENTITY_REGEX.finditer(raw):
        groups = match.groupdict()
        text = groups["entity_text"]
        if groups["entity"]:
            found.append(Annotation(groups["entity"].strip(), text, groups["value"]))
        else:
            body = groups["entity_dict"]
            if body is not None:
                source = "{" + body + "}"
            else:
                source = "[" + groups["list_entity_dicts"] + "]"
            try:
                parsed = json.loads(source)
            except json.JSONDecodeError as exc:
                raise ValueError(f"the annotation {match.group()!r} is not valid JSON") from exc
            for item in parsed if isinstance(parsed, list) else [parsed]:
                if not isinstance(item, dict) or not item.get("entity"):
                    raise ValueError(f"the annotation {match.group()!r} names no entity")
                value = item.get("value")
                found.append(
                    Annotation(str(item["entity"]), text, None if value is None else str(value))
                )
        plain.append(raw[last : match.start()] + text)
        last = match.end()
    plain.append(raw[last:])
    return "".join(plain), tuple(found)


# --- loading ----------------------------------------------------------------------------------


def _yaml() -> YAML:
    return YAML(typ="rt")


def _load_yaml(path: Path, issues: list[Issue]) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        issues.append(Issue(ERROR, path, None, f"cannot read the file ({exc})"))
        return None
    try:
        return _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        issues.append(
            Issue(
                ERROR,
                path,
                line,
                f"this is not valid YAML ({problem}); check the "
                "indentation and that every example starts with '- ' inside 'examples: |'",
            )
        )
    except Exception as exc:  # ruamel raises a few unmarked errors (e.g. duplicate keys)
        issues.append(Issue(ERROR, path, None, f"this is not valid YAML ({exc})"))
    return None


def _block_lines(item: Any, key: str) -> Iterator[tuple[int, str]]:
    """(line, text) for each line of a ``key: |`` block (line numbers are 1-based)."""
    value = item.get(key)
    first = item.lc.value(key)[0] + 1
    if isinstance(value, LiteralScalarString):
        for offset, line in enumerate(str(value).splitlines(), start=1):
            yield first + offset, line
    else:  # plain or quoted scalar: no per-line positions, use the key's
        for line in str(value).splitlines():
            yield first, line


def _examples(
    item: Any, key: str, label: str, path: Path, issues: list[Issue]
) -> Iterator[tuple[int, str]]:
    """The examples of one block, as Rasa reads them (``- text`` lines)."""
    value = item.get(key)
    if value is None:
        issues.append(Issue(ERROR, path, item.lc.line + 1, f"'{label}' has no '{key}:'"))
        return
    if isinstance(value, CommentedSeq):  # the long form: - text: ...
        for index, entry in enumerate(value):
            line = value.lc.item(index)[0] + 1
            text = entry.get("text") if isinstance(entry, dict) else None
            if not isinstance(text, str):
                issues.append(Issue(ERROR, path, line, f"an example of '{label}' has no text"))
                continue
            yield line, text.strip()
        return
    if not isinstance(value, str):
        issues.append(Issue(ERROR, path, item.lc.line + 1, f"'{label}' examples must be text"))
        return
    for line, text in _block_lines(item, key):
        if not text.strip():
            continue
        if not text.startswith("-"):
            issues.append(
                Issue(
                    WARNING,
                    path,
                    line,
                    f"this line does not start with '- ', so Rasa skips it: {text.strip()!r}",
                )
            )
            continue
        example = text[1:].strip()
        if not example:
            issues.append(Issue(WARNING, path, line, "empty example ('-' and nothing else)"))
            continue
        yield line, example


def load_nlu_file(path: Path) -> NluData:
    data = NluData()
    doc = _load_yaml(path, data.issues)
    if doc is None:
        return data
    if not isinstance(doc, CommentedMap):
        data.issues.append(Issue(ERROR, path, 1, "expected 'version:' and 'nlu:' at the top"))
        return data
    if "nlu" not in doc:
        return data  # not an NLU file (rules, stories …)
    if "version" not in doc:
        data.issues.append(Issue(WARNING, path, 1, "no 'version: \"3.1\"' line at the top"))
    generated = GENERATED_MARK.search(path.read_text(encoding="utf-8")) is not None
    items = doc["nlu"]
    if not isinstance(items, CommentedSeq):
        data.issues.append(
            Issue(ERROR, path, doc.lc.key("nlu")[0] + 1, "'nlu:' must be a list of blocks")
        )
        return data
    for index, item in enumerate(items):
        line = items.lc.item(index)[0] + 1
        if not isinstance(item, dict):
            data.issues.append(Issue(ERROR, path, line, "expected '- intent: …' or '- synonym: …'"))
            continue
        if "intent" in item:
            intent = str(item["intent"] or "").strip()
            if not intent:
                data.issues.append(Issue(ERROR, path, line, "an intent block without a name"))
                continue
            data.blocks.setdefault(intent, []).append((path, line))
            for ex_line, raw in _examples(item, "examples", intent, path, data.issues):
                data.examples.append(Example(intent, raw, path, ex_line, generated))
        elif "synonym" in item:
            canonical = str(item["synonym"] or "").strip()
            if not canonical:
                data.issues.append(Issue(ERROR, path, line, "a synonym block without a name"))
                continue
            for ex_line, raw in _examples(item, "examples", canonical, path, data.issues):
                data.synonyms.append(SynonymEntry(canonical, raw, path, ex_line))
        elif not ({"regex", "lookup"} & set(item)):
            data.issues.append(
                Issue(
                    ERROR,
                    path,
                    line,
                    "expected '- intent: …' or '- synonym: …' here, found "
                    + ", ".join(repr(k) for k in item),
                )
            )
    return data


def nlu_files(directory: Path) -> list[Path]:
    if directory.is_file():
        return [directory]
    return sorted(p for p in directory.rglob("*") if p.suffix in {".yml", ".yaml"})


def load_nlu(*directories: Path) -> NluData:
    data = NluData()
    for directory in directories:
        if directory.exists():
            for path in nlu_files(directory):
                data.extend(load_nlu_file(path))
    return data


def _names(items: Any) -> Iterator[tuple[str, int]]:
    if not isinstance(items, CommentedSeq):
        return
    for index, entry in enumerate(items):
        name = next(iter(entry)) if isinstance(entry, dict) and entry else entry
        yield str(name), items.lc.item(index)[0] + 1


def load_domain(path: Path) -> tuple[Domain | None, list[Issue]]:
    issues: list[Issue] = []
    doc = _load_yaml(path, issues)
    if doc is None:
        return None, issues
    domain = Domain(path)
    domain.intents = dict(_names(doc.get("intents")))
    domain.entities = dict(_names(doc.get("entities")))
    for slot in (doc.get("slots") or {}).values():
        if not isinstance(slot, dict) or slot.get("type") != "categorical":
            continue
        values = {str(v).lower() for v in slot.get("values") or []}
        for mapping in slot.get("mappings") or []:
            if isinstance(mapping, dict) and mapping.get("type") == "from_entity":
                domain.values.setdefault(str(mapping.get("entity")), set()).update(values)
    return domain, issues


# --- checks -----------------------------------------------------------------------------------


def check_annotation_syntax(examples: Iterable[Example]) -> list[Issue]:
    issues = []
    for ex in examples:
        try:
            parse_annotations(ex.raw)
        except ValueError as exc:
            issues.append(Issue(ERROR, ex.path, ex.line, f"{exc}; Rasa cannot train on it"))
    return issues


def _parsable(examples: Iterable[Example]) -> list[Example]:
    out = []
    for ex in examples:
        try:
            parse_annotations(ex.raw)
        except ValueError:
            continue
        out.append(ex)
    return out


def check_duplicates(examples: list[Example]) -> list[Issue]:
    """The same text under two intents teaches the model both answers at once."""
    issues = []
    first: dict[str, Example] = {}
    for ex in examples:
        seen = first.get(ex.key)
        if seen is None:
            first[ex.key] = ex
        elif seen.intent != ex.intent:
            issues.append(
                Issue(
                    ERROR,
                    ex.path,
                    ex.line,
                    f"{ex.text!r} is under '{ex.intent}' and also "
                    f"under '{seen.intent}' ({_where(seen.path, seen.line)}); keep one",
                )
            )
        else:
            issues.append(
                Issue(
                    WARNING,
                    ex.path,
                    ex.line,
                    f"{ex.text!r} is listed twice under "
                    f"'{ex.intent}' (also {_where(seen.path, seen.line)})",
                )
            )
    return issues


def _similar_pairs(
    items: list[tuple[str, frozenset[str]]], jaccard: float, ratio: float
) -> set[tuple[int, int]]:
    """Index pairs that are near-duplicates. Sorting by size bounds each scan, since both
    measures are capped by the size ratio of the two texts."""
    pairs: set[tuple[int, int]] = set()
    by_tokens = sorted(range(len(items)), key=lambda i: len(items[i][1]))
    for pos, i in enumerate(by_tokens):
        a = items[i][1]
        for j in by_tokens[pos + 1 :]:
            b = items[j][1]
            if len(a) < jaccard * len(b):
                break
            if a and len(a & b) >= jaccard * len(a | b):
                pairs.add((min(i, j), max(i, j)))
    by_chars = sorted(range(len(items)), key=lambda i: len(items[i][0]))
    matcher = difflib.SequenceMatcher(autojunk=False)
    for pos, i in enumerate(by_chars):
        a_text = items[i][0]
        matcher.set_seq2(a_text)
        for j in by_chars[pos + 1 :]:
            b_text = items[j][0]
            if 2 * len(a_text) < ratio * (len(a_text) + len(b_text)):
                break
            pair = (min(i, j), max(i, j))
            if pair in pairs:
                continue
            matcher.set_seq1(b_text)
            if (
                matcher.real_quick_ratio() >= ratio
                and matcher.quick_ratio() >= ratio
                and matcher.ratio() >= ratio
            ):
                pairs.add(pair)
    return pairs


def is_near_duplicate(
    a: str, b: str, jaccard: float = NEAR_JACCARD, ratio: float = NEAR_RATIO
) -> bool:
    """Two token-normalised texts (``" ".join(tokens(text))``) that read almost the same."""
    pair = [(a, frozenset(a.split())), (b, frozenset(b.split()))]
    return bool(_similar_pairs(pair, jaccard, ratio))


def check_near_duplicates(
    examples: list[Example], jaccard: float = NEAR_JACCARD, ratio: float = NEAR_RATIO
) -> list[Issue]:
    """Almost the same words under two intents: the model cannot learn the difference."""
    unique: dict[tuple[str, str], Example] = {}
    for ex in examples:
        unique.setdefault((" ".join(tokens(ex.text)), ex.intent), ex)
    keys = list(unique)
    items = [(text, frozenset(text.split())) for text, _ in keys]
    issues = []
    for i, j in sorted(_similar_pairs(items, jaccard, ratio)):
        a, b = unique[keys[i]], unique[keys[j]]
        if a.intent == b.intent or a.key == b.key:  # exact duplicates are reported already
            continue
        a, b = sorted((a, b), key=lambda e: (str(e.path), e.line))
        issues.append(
            Issue(
                WARNING,
                b.path,
                b.line,
                f"{b.text!r} ('{b.intent}') is nearly the same as "
                f"{a.text!r} ('{a.intent}', {_where(a.path, a.line)}); reword one or move it",
            )
        )
    return issues


def check_personal_data(examples: Iterable[Example], plan_numbers: Iterable[str]) -> list[Issue]:
    """Training data ships inside every model and lives in git forever."""
    plan = frozenset(plan_numbers)
    issues = []
    for ex in examples:
        findings = find_personal_data(ex.text, plan)
        if not findings:
            continue
        kinds = ", ".join(dict.fromkeys(f.description for f in findings))
        shown = redact(ex.text, plan)
        if ex.generated:
            issues.append(
                Issue(
                    WARNING,
                    ex.path,
                    ex.line,
                    f"generated example looks like it holds "
                    f"{kinds}: {shown!r}; exclude it in the generator",
                )
            )
        else:
            issues.append(
                Issue(
                    ERROR,
                    ex.path,
                    ex.line,
                    f"looks like personal data ({kinds}): {shown!r}; "
                    "never put real identifiers in training data: remove it or reword it "
                    "without the number",
                )
            )
    return issues


def synonym_map(synonyms: Iterable[SynonymEntry], examples: Iterable[Example]) -> dict[str, str]:
    """Lower-cased text -> canonical value, as Rasa's EntitySynonymMapper learns it."""
    mapping: dict[str, str] = {}
    for ex in examples:
        for ann in ex.annotations:
            if ann.value is not None and ann.value != ann.text:
                mapping.setdefault(ann.text.lower(), ann.value)
    for entry in synonyms:  # the synonym files win
        mapping.setdefault(entry.text.lower(), entry.canonical)
    return mapping


def _resolve(ann: Annotation, synonyms: dict[str, str]) -> str:
    if ann.value is not None:
        return ann.value
    return synonyms.get(ann.text.lower(), ann.text)


def check_entities(
    examples: list[Example], synonyms: list[SynonymEntry], domain: Domain
) -> list[Issue]:
    """Unknown entities and values the assistant's slots would reject."""
    from_files: dict[str, SynonymEntry] = {}
    for entry in synonyms:
        from_files.setdefault(entry.text.lower(), entry)
    mapping = synonym_map(synonyms, examples)
    known = ", ".join(sorted(domain.entities)) or "none"
    issues = []
    for ex in examples:
        for ann in ex.annotations:
            if ann.entity not in domain.entities:
                issues.append(
                    Issue(
                        ERROR,
                        ex.path,
                        ex.line,
                        f"entity '{ann.entity}' in "
                        f"'[{ann.text}]({ann.entity})' is not in {domain.path.name} "
                        f"(entities: {known})",
                    )
                )
                continue
            listed = from_files.get(ann.text.lower())
            if ann.value is not None and listed and listed.canonical != ann.value:
                issues.append(
                    Issue(
                        ERROR,
                        ex.path,
                        ex.line,
                        f"'{ann.text}' is annotated with value "
                        f"'{ann.value}' but {_where(listed.path, listed.line)} makes it a "
                        f"synonym of '{listed.canonical}'; make them agree",
                    )
                )
            allowed = domain.values.get(ann.entity)
            value = _resolve(ann, mapping)
            if allowed and value.lower() not in allowed:
                fix = (
                    "use one of them as the value"
                    if ann.value is not None
                    else f"add '{ann.text.lower()}' as a synonym of one of them in synonyms.yml"
                )
                issues.append(
                    Issue(
                        ERROR,
                        ex.path,
                        ex.line,
                        f"'{ann.text}' ({ann.entity}) means "
                        f"'{value}', which is not a {ann.entity} value "
                        f"({', '.join(sorted(allowed))}); {fix}",
                    )
                )
    return issues


def check_synonyms(
    examples: list[Example], synonyms: list[SynonymEntry], domain: Domain
) -> list[Issue]:
    """Synonym files that disagree with themselves, the domain or the annotated examples."""
    issues = []
    mapping = synonym_map(synonyms, examples)
    used_by: dict[str, set[str]] = defaultdict(set)
    for ex in examples:
        for ann in ex.annotations:
            used_by[_resolve(ann, mapping).lower()].add(ann.entity)
    every_value = set().union(*domain.values.values()) if domain.values else set()
    first: dict[str, SynonymEntry] = {}
    reported: set[str] = set()
    for entry in synonyms:
        text = entry.text.lower()
        seen = first.setdefault(text, entry)
        if seen is not entry:
            if seen.canonical != entry.canonical:
                issues.append(
                    Issue(
                        ERROR,
                        entry.path,
                        entry.line,
                        f"'{entry.text}' is a synonym of "
                        f"'{entry.canonical}' here and of '{seen.canonical}' at "
                        f"{_where(seen.path, seen.line)}; keep one",
                    )
                )
            else:
                issues.append(
                    Issue(
                        WARNING,
                        entry.path,
                        entry.line,
                        f"'{entry.text}' is listed twice as a synonym of '{entry.canonical}'",
                    )
                )
            continue
        canonical = entry.canonical.lower()
        if canonical not in reported:
            entities = used_by.get(canonical, set())
            allowed = set().union(*(domain.values.get(e, set()) for e in entities))
            if not entities:
                allowed = every_value
            if allowed and canonical not in allowed:
                reported.add(canonical)
                issues.append(
                    Issue(
                        ERROR,
                        entry.path,
                        entry.line,
                        f"synonym value '{entry.canonical}' "
                        f"is not a value of any categorical slot in {domain.path.name} "
                        f"({', '.join(sorted(allowed))})",
                    )
                )
    # Every synonym is used: bot/entities.py reads them straight from the message text.
    return issues


def check_intents(data: NluData, domain: Domain, minimum: int = MIN_EXAMPLES) -> list[Issue]:
    """Every intent declared and trained; enough examples for the model to learn it."""
    issues = []
    counts = Counter(ex.intent for ex in data.examples)
    for intent, blocks in data.blocks.items():
        path, line = blocks[0]
        if intent not in domain.intents:
            issues.append(
                Issue(
                    ERROR,
                    path,
                    line,
                    f"intent '{intent}' is not listed under 'intents:' in {domain.path.name}",
                )
            )
        if intent not in UNTRAINED_INTENTS and counts[intent] < minimum:
            issues.append(
                Issue(
                    WARNING,
                    path,
                    line,
                    f"intent '{intent}' has {counts[intent]} examples; aim for at least {minimum}",
                )
            )
    for intent, line in domain.intents.items():
        if intent not in data.blocks and intent not in UNTRAINED_INTENTS:
            issues.append(
                Issue(WARNING, domain.path, line, f"intent '{intent}' has no training examples")
            )
    return issues


def check_held_out(examples: Iterable[Example], held_out: Iterable[Example]) -> list[Issue]:
    """An evaluation message copied into training data makes the quality report a lie."""
    tests = {ex.key: ex for ex in held_out}
    issues = []
    for ex in examples:
        test = tests.get(ex.key)
        if test is not None and len(ex.key.split()) > TERSE_WORDS:
            issues.append(
                Issue(
                    ERROR,
                    ex.path,
                    ex.line,
                    f"{ex.text!r} is an evaluation message "
                    f"({_where(test.path, test.line)}); training on it hides real mistakes, "
                    "remove it here",
                )
            )
    return issues


def run_checks(
    data_dir: Path = DEFAULT_DATA,
    domain_path: Path = DEFAULT_DOMAIN,
    *,
    held_out: tuple[Path, ...] = EVALUATION_SETS,
    scenario: Path = DEFAULT_SCENARIO,
    min_examples: int = MIN_EXAMPLES,
) -> list[Issue]:
    data = load_nlu(data_dir)
    domain, issues = load_domain(domain_path)
    issues = data.issues + issues + check_annotation_syntax(data.examples)
    examples = _parsable(data.examples)
    issues += check_duplicates(examples)
    issues += check_near_duplicates(examples)
    issues += check_personal_data(examples, plan_phone_numbers(scenario))
    issues += check_held_out(examples, _parsable(load_nlu(*held_out).examples))
    if domain is not None:
        issues += check_entities(examples, data.synonyms, domain)
        issues += check_synonyms(examples, data.synonyms, domain)
        issues += check_intents(data, domain, min_examples)
    order = {ERROR: 0, WARNING: 1}
    return sorted(issues, key=lambda i: (str(i.path), i.line or 0, order[i.severity]))


def summary(issues: Iterable[Issue]) -> str:
    counts = Counter(issue.severity for issue in issues)
    errors, warnings = counts[ERROR], counts[WARNING]
    return f"{errors} errors, {warnings} warnings"
