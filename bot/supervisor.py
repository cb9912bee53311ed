"""`bot run`: start the action server and the Rasa server together, stop them together.

Ctrl-C (or SIGTERM) stops every child cleanly; if one child dies, the others are stopped
too and the exit code says so, so a broken assistant never looks half alive.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bot.config import PROJECT_ROOT, Settings, disable_phone_home

STOP_GRACE_SECONDS = 15


@dataclass
class Child:
    name: str
    argv: list[str]
    health_url: str
    process: subprocess.Popen[bytes] | None = None


def rasa_executable() -> str:
    return str(Path(sys.executable).with_name("rasa"))


def children(
    model: Path, rasa_port: int, actions_port: int, host: str = "127.0.0.1"
) -> list[Child]:
    rasa = rasa_executable()
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
            ],
            f"http://{host}:{rasa_port}/",
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


def run_all(settings: Settings, *, model: Path, rasa_port: int, actions_port: int) -> int:
    env = dict(os.environ)
    disable_phone_home(env)
    procs = children(model, rasa_port, actions_port)
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
                    f"bot run: assistant ready. REST channel: "
                    f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook  (Ctrl-C stops)",
                    flush=True,
                )
                announced = True
            time.sleep(0.5)
        return 0
    finally:
        stop(procs)
