"""`bot run`: start the action server and the Rasa server together, stop them together.

Ctrl-C (or SIGTERM) stops every child cleanly. A child that dies is started again (the
chat's actions run on two action servers behind HAProxy, so one can die unnoticed; with both
away, the chat answers from the last known routing); one that dies
three times in five minutes stops the rest too, and the exit code says so.

While it runs, the run-state file (:mod:`bot.runstate`) tells every other process on the
machine the run's clock, its Rasa server and that server's API token. The token is never on
a command line: Rasa is started through :mod:`bot.rasa_launch`, which reads it from the
environment (readable by the owner only).
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, replace
from pathlib import Path

from bot import balancer, runstate
from bot.clock import Clock
from bot.config import PROJECT_ROOT, ConfigError, Settings, disable_phone_home
from bot.rasa_launch import TOKEN_ENV

STOP_GRACE_SECONDS = 15
#: A child that stops this many times within RESTART_WINDOW seconds is given up on.
MAX_RESTARTS = 3
RESTART_WINDOW = 300.0
#: How often the retention rule runs while the assistant runs (with BOT_TRACKER_URL set).
PURGE_EVERY_SECONDS = 3600.0


@dataclass
class Child:
    name: str
    argv: list[str]
    health_url: str
    #: Gets the Rasa API token in its environment (the Rasa server and the lookup's caller).
    needs_token: bool = False
    process: subprocess.Popen[bytes] | None = None


def rasa_executable() -> str:
    return str(Path(sys.executable).with_name("rasa"))


def _action_server(rasa: str, name: str, port: int, host: str) -> Child:
    argv = [rasa, "run", "actions", "--actions", "actions", "--port", str(port)]
    return Child(name, argv, f"http://{host}:{port}/health")


def _rasa_server(
    name: str, model: Path, port: int, endpoints: Path, host: str, pages: list[str]
) -> Child:
    return Child(
        name,
        [
            sys.executable,
            "-m",
            "bot.rasa_launch",
            "run",
            "--model",
            str(model),
            "--interface",
            host,
            "--port",
            str(port),
            "--credentials",
            "credentials.yml",
            "--endpoints",
            str(endpoints),
            "--enable-api",
            "--cors",
            *pages,
        ],
        f"http://{host}:{port}/",
        needs_token=True,
    )


def shares_conversations(endpoints: Path) -> bool:
    """Whether ``endpoints`` keeps conversations and their locks where several Rasa servers
    see the same ones (a tracker store and a lock store that are not in memory)."""
    import yaml

    config = yaml.safe_load(endpoints.read_text()) or {}
    return all(
        isinstance(config.get(key), dict) and config[key].get("type") not in (None, "in_memory")
        for key in ("tracker_store", "lock_store")
    )


def servers(
    model: Path,
    rasa_port: int,
    actions_port: int,
    endpoints: Path,
    pages: list[str],
    *,
    host: str = "127.0.0.1",
    run_dir: Path | None = None,
    replicas: int = 1,
) -> list[Child]:
    """The action servers and the Rasa server(s), with HAProxy in front where installed.

    Two action servers behind ``actions_port`` (one can die unnoticed); with ``replicas``
    above 1, that many Rasa servers behind ``rasa_port`` too (:mod:`bot.balancer`). Without
    HAProxy: one action server and one Rasa server, and ``replicas`` above 1 is refused.
    """
    rasa = rasa_executable()
    executable = balancer.haproxy()
    if replicas > 1:
        if executable is None or run_dir is None:
            raise ConfigError("--replicas needs HAProxy (make run-scaled installs it)")
        if not shares_conversations(endpoints):
            raise ConfigError(
                "--replicas needs conversations that every replica sees: run with "
                "--endpoints endpoints.production.yml (PostgreSQL trackers, Redis locks)"
            )
    if executable is None or run_dir is None:
        return [
            _action_server(rasa, "actions", actions_port, host),
            _rasa_server("rasa", model, rasa_port, endpoints, host, pages),
        ]
    action_ports = [balancer.free_port(host), balancer.free_port(host)]
    pools = [balancer.actions_pool(actions_port, action_ports)]
    children = [
        _action_server(rasa, f"actions-{i}", p, host) for i, p in enumerate(action_ports, 1)
    ]
    if replicas > 1:
        rasa_ports = [balancer.free_port(host) for _ in range(replicas)]
        pools.append(balancer.rasa_pool(rasa_port, rasa_ports))
        children += [
            _rasa_server(f"rasa-{i}", model, p, endpoints, host, pages)
            for i, p in enumerate(rasa_ports, 1)
        ]
    else:
        children.append(_rasa_server("rasa", model, rasa_port, endpoints, host, pages))
    config = balancer.write_config(run_dir, host, pools)
    health = (
        f"http://{host}:{rasa_port}/" if replicas > 1 else f"http://{host}:{actions_port}/health"
    )
    children.append(Child("balancer", [executable, "-db", "-f", str(config)], health))
    return children


def run_endpoints(source: Path, run_dir: Path, actions_url: str) -> Path:
    """``source`` (endpoints.yml or the production file) with this run's action-server URL."""
    import yaml

    endpoints = yaml.safe_load(source.read_text()) or {}
    endpoints["action_endpoint"] = {**(endpoints.get("action_endpoint") or {}), "url": actions_url}
    path = run_dir / "endpoints.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"# Written by bot run from {source.name}.\n" + yaml.safe_dump(endpoints))
    return path


def children(
    model: Path,
    rasa_port: int,
    actions_port: int,
    ops_port: int,
    host: str = "127.0.0.1",
    run_dir: Path | None = None,
    endpoints: Path = PROJECT_ROOT / "endpoints.yml",
    replicas: int = 1,
    cors_origins: tuple[str, ...] = (),
) -> list[Child]:
    """The processes of the assistant. Rasa's HTTP API is token-protected and local-only;
    only the operations service's pages and the websites in ``cors_origins`` (the ones that
    embed the widget, ``BOT_CORS_ORIGINS``) may call it from a browser. No argv holds a
    secret: the token reaches Rasa and the operations service in their environment."""
    bot = str(Path(sys.executable).with_name("bot"))
    pages = [f"http://{host}:{ops_port}", f"http://localhost:{ops_port}", *cors_origins]
    return [
        *servers(
            model,
            rasa_port,
            actions_port,
            endpoints,
            pages,
            host=host,
            run_dir=run_dir,
            replicas=replicas,
        ),
        Child(
            "operations",
            [bot, "serve", "--host", host, "--port", str(ops_port)],
            f"http://{host}:{ops_port}/healthz",
            needs_token=True,
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


def _purge(settings: Settings) -> None:
    """The retention rule, applied while the assistant runs (trackers in a SQL store)."""
    from bot import privacy

    assert settings.tracker_url is not None
    try:
        done = privacy.purge(settings.tracker_url, settings.retention_days)
    except Exception as exc:  # noqa: BLE001 - a failed purge must not stop the assistant
        print(f"bot run: retention purge failed: {type(exc).__name__}", file=sys.stderr)
        return
    if done.conversations:
        print(
            f"bot run: deleted {done.conversations} conversation(s) past "
            f"{settings.retention_days} days",
            file=sys.stderr,
            flush=True,
        )


def replica_env(replicas: int) -> dict[str, str]:
    """What N Rasa replicas on one machine need: each computes on one thread (N processes
    with a thread pool per core each would fight over the cores: 25 msg/s with two replicas
    as against 33 on one thread each, make bench-load), and they see the members' addresses
    through the balancer (the chat's budgets are per member address). A replica that dies
    mid-turn leaves its conversation's lock behind until the lock's lifetime runs out: 15 s
    instead of Rasa's 60 s is how long that member's next message may wait (a turn takes
    under 5 s even at 50 concurrent conversations, make bench-load)."""
    return {
        "TICKET_LOCK_LIFETIME": "15",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "TF_INTRA_OP_PARALLELISM_THREADS": "1",
        "TF_INTER_OP_PARALLELISM_THREADS": "1",
        "BOT_TRUSTED_PROXIES": "127.0.0.1",
    }


def child_env(settings: Settings, token: str, rasa_url: str) -> dict[str, str]:
    """The children's environment: the run's clock pinned explicitly (so no child depends on
    the run-state file), telemetry off, and the run's Rasa server."""
    env = dict(os.environ)
    disable_phone_home(env)
    pinned = Clock.from_settings(settings).pinned
    env["BOT_NOW"] = pinned.isoformat() if pinned is not None else ""
    env["BOT_TIMEZONE"] = settings.timezone
    env["BOT_RUN_DIR"] = str(settings.run_dir)
    env["BOT_RASA_URL"] = rasa_url
    env[TOKEN_ENV] = token
    # The action server runs actions for anyone who can post to it: loopback only
    # (rasa_sdk reads its address from SANIC_HOST; it defaults to every interface).
    env.setdefault("SANIC_HOST", "127.0.0.1")
    return env


def run_all(
    settings: Settings,
    *,
    model: Path,
    rasa_port: int,
    actions_port: int,
    ops_port: int,
    endpoints_file: Path = PROJECT_ROOT / "endpoints.yml",
    replicas: int = 1,
) -> int:
    me = os.getpid()
    other = runstate.live(settings.run_dir)
    if other is not None and other.pid != me:
        raise ConfigError(
            f"an assistant is already running (pid {other.pid}, Rasa at {other.rasa_url}); "
            "stop it first"
        )
    rasa_url = f"http://127.0.0.1:{rasa_port}"
    # The agents' lookup parses through Rasa's HTTP API: protect it with a per-run secret.
    token = settings.rasa_token or secrets.token_urlsafe(24)
    env = child_env(settings, token, rasa_url)
    without_token = {k: v for k, v in env.items() if k != TOKEN_ENV}
    state = runstate.RunState(
        pid=me,
        pid_start=runstate.process_start(me),
        now=Clock.from_settings(settings).pinned,
        timezone=settings.timezone,
        rasa_url=rasa_url,
        operations_url=f"http://127.0.0.1:{ops_port}",
        rasa_token=token,
    )
    endpoints = run_endpoints(
        endpoints_file, settings.run_dir, f"http://127.0.0.1:{actions_port}/webhook"
    )
    procs = children(
        model,
        rasa_port,
        actions_port,
        ops_port,
        run_dir=settings.run_dir,
        endpoints=endpoints,
        replicas=replicas,
        cors_origins=settings.cors_origins,
    )
    if replicas > 1:
        for target in (env, without_token):
            target.update(replica_env(replicas))
    stopping = False

    def _on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    state_file = runstate.write(settings.run_dir, state)
    try:
        for child in procs:
            child.process = subprocess.Popen(
                child.argv, cwd=PROJECT_ROOT, env=env if child.needs_token else without_token
            )
        announced = False
        restarts: dict[str, list[float]] = {c.name: [] for c in procs}
        next_purge = time.monotonic() + 60
        while not stopping:
            if settings.tracker_url and time.monotonic() >= next_purge:
                _purge(settings)
                next_purge = time.monotonic() + PURGE_EVERY_SECONDS
            for child in procs:
                assert child.process is not None
                if child.process.poll() is None:
                    continue
                # A dead child is started again (the chat answers from the last known
                # routing meanwhile); one that keeps dying stops the whole assistant.
                recent = [t for t in restarts[child.name] if time.monotonic() - t < RESTART_WINDOW]
                if len(recent) >= MAX_RESTARTS:
                    print(
                        f"bot run: {child.name} keeps stopping (exit {child.process.returncode}); "
                        "stopping the rest",
                        file=sys.stderr,
                    )
                    return 1
                print(
                    f"bot run: {child.name} stopped (exit {child.process.returncode}); "
                    "starting it again",
                    file=sys.stderr,
                    flush=True,
                )
                restarts[child.name] = [*recent, time.monotonic()]
                child.process = subprocess.Popen(
                    child.argv, cwd=PROJECT_ROOT, env=env if child.needs_token else without_token
                )
            if not announced and all(_healthy(c.health_url) for c in procs):
                runstate.write(settings.run_dir, replace(state, ready=True))
                clock = (
                    f"pinned to {state.now.isoformat()}" if state.now is not None else "real time"
                )
                print(
                    "bot run: assistant ready.\n"
                    f"  member chat:   http://127.0.0.1:{ops_port}/chat\n"
                    f"  agent lookup:  http://127.0.0.1:{ops_port}/agent "
                    '(token: bot token create NAME --role agent), or bot ask "…"\n'
                    f"  status feed:   http://127.0.0.1:{ops_port}/status.json\n"
                    f"  REST channel:  {rasa_url}/webhooks/rest/webhook\n"
                    f"  clock:         {clock} (run state: {state_file}; every bot command "
                    "without BOT_NOW uses it)\n"
                    "  Ctrl-C stops everything.",
                    flush=True,
                )
                announced = True
            time.sleep(0.5)
        return 0
    finally:
        stop(procs)
        runstate.remove(settings.run_dir, me)
