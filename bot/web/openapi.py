"""The API description (``openapi.yaml`` next to this file), loaded once at startup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

SPEC_PATH = Path(__file__).resolve().parent / "openapi.yaml"


def load() -> dict[str, Any]:
    text = SPEC_PATH.read_text(encoding="utf-8")
    return {"text": text, "data": yaml.safe_load(text)}
