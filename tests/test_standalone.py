"""The repository stands alone: nothing it runs or tests reads from beside the clone."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bot.nlu_tools import clinc, evaluate

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["bot", "actions", "tests", "bench", "Makefile", ".ci", "config.yml", "endpoints.yml"]
#: A path into the workplace's shared folder, however it is spelled.
OUTSIDE = re.compile(r"""\.\./shared|["']shared["']|(?<![\w.])shared/datasets""")


def _files() -> list[Path]:
    found: list[Path] = []
    for name in SOURCES:
        path = ROOT / name
        found.extend([path] if path.is_file() else sorted(path.rglob("*")))
    return [p for p in found if p.is_file() and p.suffix in {".py", ".yml", ""}]


def test_no_source_reads_outside_the_repository() -> None:
    offenders = []
    for path in _files():
        if path == Path(__file__).resolve():
            continue
        text = path.read_text(errors="ignore")
        for number, line in enumerate(text.splitlines(), start=1):
            if OUTSIDE.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "reads outside the repository:\n" + "\n".join(offenders)


def test_clinc_data_is_vendored_with_its_licence() -> None:
    for path in (clinc.DEFAULT_DATASET, evaluate.DEFAULT_CLINC):
        assert path.resolve().is_relative_to(ROOT), path
        assert path.is_file(), path
    licence = (ROOT / "data" / "clinc150" / "LICENSE").read_text()
    assert "Attribution 3.0" in licence
    data = json.loads(evaluate.DEFAULT_CLINC.read_text())
    assert "Larson" in data["about"]
    assert len(evaluate.load_clinc(evaluate.DEFAULT_CLINC, "validation")) > 1000
