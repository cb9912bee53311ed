"""Start the real assistant (action server + Rasa server on a trained model) for tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "assistant.tar.gz"
BIN = Path(sys.executable).parent
START_TIMEOUT = 240


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Assistant:
    rasa_port: int
    actions_port: int
    env: dict[str, str]
    endpoints: Path
    workdir: Path = Path(".")
    #: The action server and the Rasa server, in that order (fault tests stop them).
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def ask(self, text: str, sender: str = "tester") -> list[str]:
        """Send a message over the REST channel; returns the bot's texts."""
        return [m.get("text", "") for m in self.ask_full(text, sender)]

    def ask_full(
        self, text: str, sender: str = "tester", metadata: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Send a message over the REST channel; returns the bot's messages (with buttons)."""
        message: dict[str, Any] = {"sender": sender, "message": text}
        if metadata is not None:
            message["metadata"] = metadata
        body = json.dumps(message).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return list(json.loads(response.read()))

    def bot(self, *argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "bot"), *argv],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
        )


def _wait(url: str, procs: list[subprocess.Popen[bytes]], logs: list[Path]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        for proc, log in zip(procs, logs, strict=True):
            if proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(1)
    raise TimeoutError(f"{url} not up after {START_TIMEOUT}s")


def demo_store(workdir: Path, now: str) -> str:
    """A SQLite store in ``workdir`` holding the demo scenario, stamped at ``now``; its URL."""
    from bot import migrate, scenario
    from bot.clock import Clock
    from bot.db import Store

    url = f"sqlite:///{workdir / 'store.db'}"
    store = Store.create(url, Clock.fixed(datetime.fromisoformat(now)))
    migrate.upgrade(store.engine)
    with store.begin("test-loader") as s:
        scenario.load(s, scenario.read(scenario.DEMO_SCENARIO), store.clock.now())
    store.dispose()
    return url


PRODUCTION_ENDPOINTS = ROOT / "endpoints.production.yml"


#: The local PostgreSQL's maintenance database (trust auth), where test databases are made.
POSTGRES_ADMIN_URL = os.environ.get(
    "BOT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def drop_postgres_database(admin_url: str, name: str) -> None:
    """Remove a PostgreSQL database (a test's store or trackers), connections and all."""
    from sqlalchemy import create_engine, text

    engine = create_engine(admin_url, future=True, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def production_env(
    actions_port: int,
    tracker_db: str,
    lock_prefix: str,
    tracker_port: int = 5432,
    redis_port: int = 6379,
) -> dict[str, str]:
    """What endpoints.production.yml reads: trackers in PostgreSQL, locks in Redis (the ports
    differ from the real services' when a test puts a proxy it can cut in between)."""
    return {
        "BOT_ACTIONS_URL": f"http://127.0.0.1:{actions_port}/webhook",
        "BOT_TRACKER_HOST": f"127.0.0.1:{tracker_port}",
        "BOT_TRACKER_USER": "postgres",
        "BOT_TRACKER_PASSWORD": "",
        "BOT_TRACKER_DB": tracker_db,
        "BOT_TRACKER_LOGIN_DB": "test",
        "BOT_REDIS_HOST": "127.0.0.1",
        "BOT_REDIS_PORT": str(redis_port),
        "BOT_REDIS_PREFIX": lock_prefix,
    }


@contextmanager
def running_assistant(
    workdir: Path,
    database_url: str,
    now: str,
    *,
    tracker_db: str | None = None,
    cors: str | None = None,
    api_token: str | None = None,
    chat_limits: bool = False,
    tracker_port: int = 5432,
    redis_port: int = 6379,
) -> Iterator[Assistant]:
    """Action server + Rasa server; with ``tracker_db``, PostgreSQL trackers and Redis locks."""
    if not MODEL.is_file():
        raise RuntimeError(f"no trained model at {MODEL}: run 'make model' (make test does)")
    rasa_port, actions_port = free_port(), free_port()
    endpoints = workdir / "endpoints.yml"
    extra_env: dict[str, str] = {}
    if tracker_db:
        endpoints = PRODUCTION_ENDPOINTS
        extra_env = production_env(actions_port, tracker_db, workdir.name, tracker_port, redis_port)
    else:
        endpoints.write_text(
            f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n'
        )
    env = {
        **os.environ,
        "BOT_DATABASE_URL": database_url,
        "BOT_NOW": now,
        "BOT_ACTOR": "assistant-test",
        "PYTHONPATH": str(ROOT / "tests" / "netguard"),
        "BOT_NETGUARD_LOG": str(workdir / "netguard.log"),
        "BOT_SNAPSHOT_PATH": str(workdir / "last-known-routing.json"),
        "SANIC_HOST": "127.0.0.1",
        # Every test and benchmark message comes from 127.0.0.1 and many from one sender:
        # the chat budgets apply only where a test is about them.
        **(
            {}
            if chat_limits
            else {
                "BOT_CHAT_PER_MINUTE_PER_SENDER": "100000",
                "BOT_CHAT_PER_MINUTE_PER_IP": "100000",
            }
        ),
        "RASA_TELEMETRY_ENABLED": "false",
        **extra_env,
    }
    rasa = str(BIN / "rasa")
    commands = [
        [rasa, "run", "actions", "--actions", "actions", "--port", str(actions_port)],
        [
            sys.executable,  # `rasa` that takes its API token from BOT_RASA_TOKEN, not argv
            "-m",
            "bot.rasa_launch",
            "run",
            "--model",
            str(MODEL),
            "--interface",
            "127.0.0.1",
            "--port",
            str(rasa_port),
            "--credentials",
            str(ROOT / "credentials.yml"),
            "--endpoints",
            str(endpoints),
        ],
    ]
    if cors:
        commands[1] += ["--cors", cors]
    env.pop("BOT_RASA_TOKEN", None)
    if api_token:
        commands[1] += ["--enable-api"]
        env["BOT_RASA_TOKEN"] = api_token  # never on a command line
    logs = [workdir / "actions.log", workdir / "rasa.log"]
    procs = []
    try:
        for argv, log in zip(commands, logs, strict=True):
            procs.append(
                subprocess.Popen(
                    argv, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
                )
            )
        _wait(f"http://127.0.0.1:{actions_port}/health", procs, logs)
        _wait(f"http://127.0.0.1:{rasa_port}/", procs, logs)
        yield Assistant(rasa_port, actions_port, env, endpoints, workdir, procs)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


@dataclass
class ScaledRun:
    """``bot run --replicas N`` on the production stores: the chat's URL and the supervisor."""

    process: subprocess.Popen[bytes]
    rasa_url: str
    run_dir: Path
    log: Path
    #: What an operator's terminal beside it has (store, clock, run directory).
    env: dict[str, str] = field(default_factory=dict)

    def children(self) -> dict[int, bytes]:
        """The supervisor's children: pid -> command line (NUL-separated)."""
        return children_of(self.process.pid)


def children_of(pid: int) -> dict[int, bytes]:
    """The live child processes of ``pid``: pid -> command line (NUL-separated)."""
    found: dict[int, bytes] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue  # exited meanwhile
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found[int(entry.name)] = cmdline
    return found


@contextmanager
def scaled_run(
    workdir: Path, database_url: str, now: str, tracker_db: str, replicas: int = 2
) -> Iterator[ScaledRun]:
    """The whole assistant as ``make run-scaled`` starts it: ``replicas`` Rasa servers and two
    action servers behind HAProxy, conversations in PostgreSQL, locks in Redis."""
    from bot import runstate

    if not MODEL.is_file():
        raise RuntimeError(f"no trained model at {MODEL}: run 'make model' (make test does)")
    ports = {o: free_port() for o in ("--rasa-port", "--actions-port", "--ops-port")}
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("BOT_")},
        **production_env(ports["--actions-port"], tracker_db, workdir.name),
        "BOT_DATABASE_URL": database_url,
        "BOT_NOW": now,
        "BOT_ACTOR": "assistant-test",
        "BOT_RUN_DIR": str(workdir / "run"),
        "BOT_SNAPSHOT_PATH": str(workdir / "last-known-routing.json"),
        "BOT_CHAT_PER_MINUTE_PER_SENDER": "100000",
        "BOT_CHAT_PER_MINUTE_PER_IP": "100000",
        "PYTHONPATH": str(ROOT / "tests" / "netguard"),
        "BOT_NETGUARD_LOG": str(workdir / "netguard.log"),
        "RASA_TELEMETRY_ENABLED": "false",
    }
    argv = [str(BIN / "bot"), "run", "--model", str(MODEL), "--replicas", str(replicas)]
    argv += ["--endpoints", str(PRODUCTION_ENDPOINTS)]
    for option, port in ports.items():
        argv += [option, str(port)]
    log = workdir / "bot-run.log"
    process = subprocess.Popen(
        argv,
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    run = ScaledRun(process, f"http://127.0.0.1:{ports['--rasa-port']}", workdir / "run", log, env)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"bot run exited early:\n{log.read_text()[-4000:]}")
            state = runstate.read(run.run_dir)
            if state is not None and state.ready:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"bot run not ready:\n{log.read_text()[-4000:]}")
            time.sleep(1)
        yield run
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
