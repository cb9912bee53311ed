"""Browser fixtures: one whole stack per test module, one Chromium for the session (so the
screenshots in reports/browser/ are cleared once, at the start, not by each module)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, SHOTS, Stack, running_stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is required at {CHROMIUM} (make test installs Debian's chromium)")
    with running_stack(tmp_path_factory.mktemp("browser")) as stack:
        yield stack


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if SHOTS.exists():
        shutil.rmtree(SHOTS)
    SHOTS.mkdir(parents=True)
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()
