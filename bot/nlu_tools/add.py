"""``bot nlu add``: add one training example without hand-editing YAML.

The example is written as a new ``- text`` line at the end of the intent's ``examples: |``
block, so comments, order and layout of the file stay exactly as the trainer left them;
the file is re-read before saving to prove nothing else moved. Anything the checks would
reject (duplicates, held-out messages, personal data, unknown entities) is refused here.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml.scalarstring import LiteralScalarString

from bot.nlu_tools import checks
from bot.nlu_tools.redact import DEFAULT_SCENARIO, find_personal_data, plan_phone_numbers


class AddError(ValueError):
    """The example was not added; the message says why in one line."""


@dataclass(frozen=True)
class Added:
    path: Path
    line: int
    warnings: list[checks.Issue]


def _validate(text: str, data: checks.NluData, held_out: tuple[Path, ...], scenario: Path) -> None:
    if not text or "\n" in text or "\r" in text:
        raise AddError("give the example as one non-empty line of text")
    try:
        plain, _ = checks.parse_annotations(text)
    except ValueError as exc:
        raise AddError(str(exc)) from exc
    key = checks.normalise(plain)
    for ex in data.examples:
        if ex.key == key:
            raise AddError(
                f"{plain!r} is already an example of '{ex.intent}' "
                f"({checks._where(ex.path, ex.line)}); not added"
            )
    for ex in checks.load_nlu(*held_out).examples:
        if ex.key == key:
            raise AddError(
                f"{plain!r} is an evaluation message ({checks._where(ex.path, ex.line)}); "
                "training on it would hide mistakes, so it is not added"
            )
    findings = find_personal_data(plain, plan_phone_numbers(scenario))
    if findings:
        kinds = ", ".join(dict.fromkeys(f.description for f in findings))
        raise AddError(f"the example looks like it holds personal data ({kinds}); not added")


def _entity_errors(example: checks.Example, data: checks.NluData, domain: Path) -> None:
    found, issues = checks.load_domain(domain)
    if found is None:
        raise AddError(f"cannot read {domain}: " + "; ".join(i.message for i in issues))
    for issue in checks.check_entities([example], data.synonyms, found):
        raise AddError(issue.message)


def _target(intent: str, data: checks.NluData) -> tuple[Path, int]:
    blocks = data.blocks.get(intent)
    if not blocks:
        known = ", ".join(sorted(data.blocks))
        raise AddError(f"unknown intent '{intent}'; known intents: {known}")
    generated = {ex.path for ex in data.examples if ex.generated}
    hand_written = [(path, line) for path, line in blocks if path not in generated]
    if not hand_written:
        raise AddError(f"'{intent}' only lives in a generated file; add it by hand elsewhere")
    return hand_written[0]


def _insert(path: Path, block_line: int, text: str) -> tuple[str, int]:
    """The file's new content and the 1-based line of the new example."""
    source = path.read_text(encoding="utf-8")
    doc = checks._yaml().load(source)
    item = next(
        (it for i, it in enumerate(doc["nlu"]) if doc["nlu"].lc.item(i)[0] + 1 == block_line),
        None,
    )
    if item is None or not isinstance(item.get("examples"), LiteralScalarString):
        raise AddError(f"{path.name}: the block is not in 'examples: |' form; add it by hand")
    key_line = item.lc.key("examples")[0]  # 0-based
    key_indent = item.lc.key("examples")[1]
    content = [line for line, _ in checks._block_lines(item, "examples")]
    lines = source.splitlines(keepends=True)
    last = key_line  # 0-based index of the line to insert after
    indent = " " * (key_indent + 2)
    for number in content:
        raw = lines[number - 1]
        if raw.strip():
            last = number - 1
            indent = raw[: len(raw) - len(raw.lstrip())]
    if not lines[last].endswith("\n"):
        lines[last] += "\n"
    lines.insert(last + 1, f"{indent}- {text}\n")
    return "".join(lines), last + 2


def _verify(
    path: Path, before: list[checks.Example], new_source: str, added: tuple[str, str]
) -> None:
    """Re-read the result: the same examples plus exactly the new one, nothing else moved."""
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / path.name
        probe.write_text(new_source, encoding="utf-8")
        after = checks.load_nlu_file(probe)
    old = [(ex.intent, ex.raw) for ex in before]
    new = [(ex.intent, ex.raw) for ex in after.examples]
    if after.issues or len(new) != len(old) + 1 or [e for e in new if e not in old] != [added]:
        raise AddError(f"could not add the example to {path.name} cleanly; add it by hand")


def _write(path: Path, content: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
        os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def add_example(
    intent: str,
    text: str,
    *,
    data_dir: Path = checks.DEFAULT_DATA,
    domain: Path = checks.DEFAULT_DOMAIN,
    held_out: tuple[Path, ...] = checks.EVALUATION_SETS,
    scenario: Path = DEFAULT_SCENARIO,
) -> Added:
    text = text.strip()
    data = checks.load_nlu(data_dir)
    broken = [i for i in data.issues if i.severity == checks.ERROR]
    if broken:
        raise AddError(f"fix this first: {broken[0].render()}")
    path, block_line = _target(intent, data)
    _validate(text, data, held_out, scenario)
    example = checks.Example(intent, text, path, 0)
    _entity_errors(example, data, domain)
    new_source, line = _insert(path, block_line, text)
    before = [ex for ex in data.examples if ex.path == path]
    _verify(path, before, new_source, (intent, text))
    _write(path, new_source)
    words = " ".join(checks.tokens(example.text))
    warnings = [
        checks.Issue(
            checks.WARNING,
            path,
            line,
            f"nearly the same as {ex.text!r} ('{ex.intent}', "
            f"{checks._where(ex.path, ex.line)}); the model may confuse the two",
        )
        for ex in data.examples
        if ex.intent != intent and checks.is_near_duplicate(words, " ".join(checks.tokens(ex.text)))
    ]
    return Added(path, line, warnings)
