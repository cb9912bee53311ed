"""What the browser tests share: the whole stack (live store, action server, Rasa server,
operations service) and Debian's Chromium, and the fixtures each browser test module imports."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from assistant import BIN, ROOT, Assistant, demo_store, free_port, running_assistant

NOW = "2023-11-28T10:00:00-05:00"
CHROMIUM = Path(os.environ.get("BOT_CHROMIUM", "/usr/bin/chromium"))
SHOTS = ROOT / "reports" / "browser"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class Stack:
    def __init__(self, assistant: Assistant, ops_url: str, editor: str, agent: str) -> None:
        self.assistant, self.ops_url, self.editor, self.agent = assistant, ops_url, editor, agent

    def api(self, method: str, path: str, body: dict | None = None) -> dict:
        request = urllib.request.Request(
            self.ops_url + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.editor}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"{}")


def _token(assistant: Assistant, name: str, role: str) -> str:
    result = assistant.bot("token", "create", name, "--role", role)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1].split()[-1]


def _wait_http(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(log.read_text()[-3000:])
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(url)


@contextmanager
def running_stack(workdir: Path) -> Iterator[Stack]:
    """The demo store at NOW, the assistant, and ``bot serve`` on free ports."""
    url = demo_store(workdir, NOW)
    ops_port = free_port()
    ops_url = f"http://127.0.0.1:{ops_port}"
    rasa_token = "browser-test-rasa-token"
    with running_assistant(workdir, url, NOW, cors=ops_url, api_token=rasa_token) as assistant:
        env = {
            **assistant.env,
            "BOT_RASA_URL": f"http://127.0.0.1:{assistant.rasa_port}",
            "BOT_RASA_TOKEN": rasa_token,
            "BOT_PUBLIC_RASA_URL": f"http://127.0.0.1:{assistant.rasa_port}",
        }
        log = workdir / "ops.log"
        proc = subprocess.Popen(
            [str(BIN / "bot"), "serve", "--port", str(ops_port)],
            cwd=ROOT,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_http(f"{ops_url}/healthz", proc, log)
            editor = _token(assistant, "browser-editor", "editor")
            agent = _token(assistant, "browser-agent", "agent")
            yield Stack(assistant, ops_url, editor, agent)
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def expect(locator):  # noqa: ANN001, ANN201 - thin import shim, keeps playwright lazy
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


# --- fixtures (imported by each browser test module: a conftest.py here would be imported
# as "conftest" and hide tests/conftest.py from the modules that import from it) ----------

_shots_cleared = False


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One whole stack per test module."""
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is required at {CHROMIUM} (make test installs Debian's chromium)")
    with running_stack(tmp_path_factory.mktemp("browser")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One Chromium per module, never per session: Playwright's sync API holds an asyncio
    loop running on the main thread while it is open, and every asyncio test after it would
    fail with "another loop is running". reports/browser/ is cleared once per run."""
    global _shots_cleared
    from playwright.sync_api import sync_playwright

    if not _shots_cleared:
        if SHOTS.exists():
            shutil.rmtree(SHOTS)
        SHOTS.mkdir(parents=True)
        _shots_cleared = True
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()
