"""`bot run`: start the action server and the Rasa server together, stop them together.

Ctrl-C (or SIGTERM) stops every child cleanly; if one child dies, the others are stopped
too and the exit code says so, so a broken assistant never looks half alive.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bot.config import PROJECT_ROOT, Settings, disable_phone_home

STOP_GRACE_SECONDS = 15
TOKEN_PLACEHOLDER = "<rasa-token>"


@dataclass
class Child:
    name: str
    argv: list[str]
    health_url: str
    process: subprocess.Popen[bytes] | None = None


def rasa_executable() -> str:
    return str(Path(sys.executable).with_name("rasa"))


def children(
    model: Path, rasa_port: int, actions_port: int, ops_port: int, host: str = "127.0.0.1"
) -> list[Child]:
    """The processes of the assistant. Rasa's HTTP API is token-protected and local-only;
    only the operations service's pages may call it from a browser (CORS)."""
    rasa = rasa_executable()
    bot = str(Path(sys.executable).with_name("bot"))
    pages = [f"http://{host}:{ops_port}", f"http://localhost:{ops_port}"]
    return [
        Child(
            "actions",
            [rasa, "run", "actions", "--actions", "actions", "--port", str(actions_port)],
            f"http://{host}:{actions_port}/health",
        ),
        Child(
            "rasa",
            [
                rasa,
                "run",
                "--model",
                str(model),
                "--interface",
                host,
                "--port",
                str(rasa_port),
                "--credentials",
                "credentials.yml",
                "--endpoints",
                "endpoints.yml",
                "--enable-api",
                "--auth-token",
                TOKEN_PLACEHOLDER,
                "--cors",
                *pages,
            ],
            f"http://{host}:{rasa_port}/",
        ),
        Child(
            "operations",
            [bot, "serve", "--host", host, "--port", str(ops_port)],
            f"http://{host}:{ops_port}/healthz",
        ),
    ]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback only)
            return bool(response.status == 200)
    except OSError:
        return False


def stop(procs: list[Child]) -> None:
    for child in procs:
        if child.process and child.process.poll() is None:
            child.process.send_signal(signal.SIGINT)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for child in procs:
        if child.process is None:
            continue
        try:
            child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.process.kill()
            child.process.wait()


def run_all(
    settings: Settings, *, model: Path, rasa_port: int, actions_port: int, ops_port: int
) -> int:
    env = dict(os.environ)
    disable_phone_home(env)
    # The agents' lookup parses through Rasa's HTTP API: protect it with a per-run secret.
    env["BOT_RASA_TOKEN"] = settings.rasa_token or secrets.token_urlsafe(24)
    env.setdefault("BOT_RASA_URL", f"http://127.0.0.1:{rasa_port}")
    procs = children(model, rasa_port, actions_port, ops_port)
    for child in procs:
        child.argv = [env["BOT_RASA_TOKEN"] if a == TOKEN_PLACEHOLDER else a for a in child.argv]
    stopping = False

    def _on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    try:
        for child in procs:
            child.process = subprocess.Popen(child.argv, cwd=PROJECT_ROOT, env=env)
        announced = False
        while not stopping:
            for child in procs:
                assert child.process is not None
                if child.process.poll() is not None:
                    print(
                        f"bot run: {child.name} stopped (exit {child.process.returncode}); "
                        "stopping the rest",
                        file=sys.stderr,
                    )
                    return 1
            if not announced and all(_healthy(c.health_url) for c in procs):
                print(
                    "bot run: assistant ready.\n"
                    f"  member chat:   http://127.0.0.1:{ops_port}/chat\n"
                    f"  agent lookup:  http://127.0.0.1:{ops_port}/agent "
                    "(token: bot token create NAME --role agent)\n"
                    f"  status feed:   http://127.0.0.1:{ops_port}/status.json\n"
                    f"  REST channel:  http://127.0.0.1:{rasa_port}/webhooks/rest/webhook\n"
                    "  Ctrl-C stops everything.",
                    flush=True,
                )
                announced = True
            time.sleep(0.5)
        return 0
    finally:
        stop(procs)
