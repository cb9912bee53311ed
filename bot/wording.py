"""Every English template in the code, found by reading the code (not by a list kept by hand).

A template is a string given to :func:`bot.i18n.t`, or the default wording of an answer text
(``texts.render(session, key, default)``, ``route_answer(..., key, default)``). The gap
report (``bot translation missing``) and ``tests/test_i18n.py`` use this to find wording
the catalogue lacks; :func:`default_text` gives a text key's default, so a translation of an
answer text nobody has reworded can still say which English it translates.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.config import PROJECT_ROOT

ROOTS = (PROJECT_ROOT / "bot", PROJECT_ROOT / "actions")
#: Function name → (index of the text key argument or None, index of the English argument).
CALLS: dict[str, tuple[int | None, int]] = {
    "t": (None, 0),
    "render": (1, 2),
    "route_answer": (4, 5),
    "best_channel_text": (None, 2),
}


@dataclass(frozen=True)
class Template:
    english: str
    #: 'bot/answers/help.py:27', or the text key when it has one.
    where: str
    key: str | None = None


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level NAME = "..." assignments, so a default given by name is found too."""
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            if isinstance(node.value.value, str):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        found[target.id] = node.value.value
    return found


def _string(node: ast.AST | None, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    return None


def _called(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _arg(node: ast.Call, index: int, name: str) -> ast.AST | None:
    if index < len(node.args):
        return node.args[index]
    return next((k.value for k in node.keywords if k.arg == name), None)


def _in_file(path: Path) -> Iterator[Template]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    constants = _constants(tree)
    relative = path.relative_to(PROJECT_ROOT).as_posix()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        spec = CALLS.get(_called(node) or "")
        if spec is None:
            continue
        key_index, text_index = spec
        english = _string(_arg(node, text_index, "default"), constants)
        if not english:
            continue
        key = _string(_arg(node, key_index, "key"), constants) if key_index is not None else None
        yield Template(english, key or f"{relative}:{node.lineno}", key)


@lru_cache(maxsize=1)
def _all() -> tuple[Template, ...]:
    found: dict[str, Template] = {}
    for root in ROOTS:
        for path in sorted(root.rglob("*.py")):
            for template in _in_file(path):
                found.setdefault(template.english, template)
    return tuple(found.values())


def templates() -> tuple[Template, ...]:
    """Each English template once (the first place it is used)."""
    return _all()


def default_text(key: str) -> str | None:
    """The code's default wording of answer text ``key``."""
    return next((t.english for t in _all() if t.key == key), None)
