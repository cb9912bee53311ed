"""One clock, everywhere: a pinned run stamps and shows only pinned times.

The clock comes from ``BOT_NOW`` when it is in the environment (even empty: the real clock),
otherwise from the run-state file of a live ``bot run``. Store contents are checked column
by column: no timestamp may come from the real clock while the clock is pinned.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot import lookup, runstate, scenario
from bot.config import ConfigError, Settings
from bot.db import Store, make_engine
from bot.models import UTCDateTime, metadata

BOT = str(Path(sys.executable).with_name("bot"))
PINNED = datetime.fromisoformat("2023-11-28T10:00:00-05:00")
REAL_NOW = datetime.now(UTC)
DEMO = scenario.DEMO_SCENARIO
#: Variables that would decide the clock or the Rasa server for a child `bot` process.
CLOCK_VARIABLES = ("BOT_NOW", "BOT_TIMEZONE", "BOT_RASA_URL", "BOT_RASA_TOKEN")


def state(
    *,
    pid: int | None = None,
    now: datetime | None = PINNED,
    rasa_url: str = "http://127.0.0.1:5999",
    token: str | None = "run-token",
) -> runstate.RunState:
    pid = os.getpid() if pid is None else pid
    return runstate.RunState(
        pid=pid,
        pid_start=runstate.process_start(pid),
        now=now,
        timezone="America/New_York",
        rasa_url=rasa_url,
        operations_url="http://127.0.0.1:8999",
        rasa_token=token,
    )


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# --- the resolution rule -------------------------------------------------------------------


def test_without_bot_now_a_live_run_gives_its_clock_and_rasa(tmp_path: Path) -> None:
    runstate.write(tmp_path, state())
    settings = Settings.from_env({"BOT_RUN_DIR": str(tmp_path)})
    assert settings.now == PINNED
    assert (settings.rasa_url, settings.rasa_token) == ("http://127.0.0.1:5999", "run-token")
    assert settings.run_state is not None and settings.run_state.pid == os.getpid()
    assert "run-token" not in repr(settings)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", None), ("2024-03-01T08:30:00-05:00", datetime.fromisoformat("2024-03-01T08:30-05:00"))],
)
def test_bot_now_in_the_environment_wins_even_empty(
    tmp_path: Path, value: str, expected: datetime | None
) -> None:
    runstate.write(tmp_path, state())
    assert Settings.from_env({"BOT_RUN_DIR": str(tmp_path), "BOT_NOW": value}).now == expected


def test_a_run_whose_process_is_gone_is_ignored(tmp_path: Path) -> None:
    runstate.write(tmp_path, state(pid=dead_pid()))
    settings = Settings.from_env({"BOT_RUN_DIR": str(tmp_path)})
    assert settings.now is None and settings.run_state is None
    assert (settings.rasa_url, settings.rasa_token) == ("http://127.0.0.1:5005", None)


def test_a_reused_pid_is_not_the_run(tmp_path: Path) -> None:
    if runstate.process_start(os.getpid()) is None:
        pytest.skip("no /proc: process start times are not available here")
    reused = runstate.RunState(**{**state().__dict__, "pid_start": "1"})
    runstate.write(tmp_path, reused)
    assert Settings.from_env({"BOT_RUN_DIR": str(tmp_path)}).now is None


def test_the_runs_token_goes_only_to_the_runs_rasa(tmp_path: Path) -> None:
    runstate.write(tmp_path, state())
    other = Settings.from_env({"BOT_RUN_DIR": str(tmp_path), "BOT_RASA_URL": "http://elsewhere"})
    assert (other.rasa_url, other.rasa_token) == ("http://elsewhere", None)
    assert other.now == PINNED  # the clock is still the run's


def test_a_real_clock_run_pins_nothing(tmp_path: Path) -> None:
    runstate.write(tmp_path, state(now=None))
    assert Settings.from_env({"BOT_RUN_DIR": str(tmp_path)}).now is None


def test_run_state_file_is_private_atomic_and_removed_only_by_its_run(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    path = runstate.write(run_dir, state())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in run_dir.iterdir()] == ["assistant.json"]  # no temporary left
    data = json.loads(path.read_text())
    assert data["now"] == PINNED.isoformat() and data["pid"] == os.getpid()
    runstate.remove(run_dir, os.getpid() + 1)
    assert path.exists()
    runstate.remove(run_dir, os.getpid())
    assert not path.exists()


def test_a_run_state_this_user_cannot_read_is_an_error_not_the_real_clock(
    tmp_path: Path,
) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads every file: an unreadable run-state file cannot be made")
    path = runstate.write(tmp_path, state())
    path.chmod(0)
    with pytest.raises(ConfigError, match="BOT_NOW"):
        Settings.from_env({"BOT_RUN_DIR": str(tmp_path)})
    assert Settings.from_env({"BOT_RUN_DIR": str(tmp_path), "BOT_NOW": ""}).now is None


# --- the store and the CLI -----------------------------------------------------------------


def bot(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [BOT, *argv], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return result


def base_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CLOCK_VARIABLES}
    env.update(
        BOT_DATABASE_URL=f"sqlite:///{tmp_path / 'store.db'}",
        BOT_RUN_DIR=str(tmp_path / "run"),
        BOT_ACTOR="clock-test",
        PYTHONPATH=str(Path(__file__).parent / "netguard"),
    )
    return env


def timestamps(database_url: str) -> list[tuple[str, datetime]]:
    """Every stored moment: each timestamp column of each table, and ISO times in audit JSON."""
    found: list[tuple[str, datetime]] = []
    engine = make_engine(database_url)
    iso = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d")
    try:
        with engine.connect() as conn:
            for table in metadata.sorted_tables:
                columns = [c for c in table.columns if isinstance(c.type, UTCDateTime)]
                json_columns = [c for c in table.columns if c.name in ("before", "after")]
                for row in conn.execute(select(table)).mappings():
                    for column in columns:
                        if row[column.name] is not None:
                            found.append((f"{table.name}.{column.name}", row[column.name]))
                    for column in json_columns:
                        for key, value in (row[column.name] or {}).items():
                            if isinstance(value, str) and iso.match(value):
                                moment = datetime.fromisoformat(value)
                                if moment.tzinfo is None:
                                    continue  # a plain date-time field of the data
                                found.append((f"{table.name}.{column.name}[{key}]", moment))
    finally:
        engine.dispose()
    return found


def scenario_moments() -> set[datetime]:
    """Times the demo scenario states as data (e.g. the 2024 Carelon incident's start)."""
    zone = ZoneInfo("America/New_York")
    moments = set()
    for raw in re.findall(r"\d{4}-\d\d-\d\dT[\d:]+(?:[+-]\d\d:\d\d|Z)?", DEMO.read_text()):
        moment = datetime.fromisoformat(raw)
        moments.add(moment if moment.tzinfo else moment.replace(tzinfo=zone))
    return moments


def assert_pinned(found: list[tuple[str, datetime]]) -> None:
    """Each stored moment is the pinned day's (or data the scenario states), never today's."""
    assert found, "no timestamps found: the check checked nothing"
    stated = scenario_moments()
    for where, moment in found:
        assert abs(moment - REAL_NOW) > timedelta(days=30), f"{where} = {moment}: the real clock"
        assert moment <= PINNED + timedelta(days=1) or moment in stated, (
            f"{where} = {moment} is neither the pinned day nor a time the scenario states"
        )


@pytest.mark.parametrize("change_clock", ["BOT_NOW", "run-state"])
def test_a_pinned_setup_and_change_store_no_real_time(tmp_path: Path, change_clock: str) -> None:
    env = base_env(tmp_path)
    bot({**env, "BOT_NOW": PINNED.isoformat()}, "setup")
    # The operator's terminal: pinned explicitly, or (no BOT_NOW) by the running assistant.
    if change_clock == "BOT_NOW":
        change_env = {**env, "BOT_NOW": PINNED.isoformat()}
    else:
        runstate.write(Path(env["BOT_RUN_DIR"]), state())
        change_env = env
    bot(change_env, "channel", "set-status", "vermont_blue_rx", "down", "--note", "x")
    bot(change_env, "incident", "update", "nov-2023-phone-internet", "--post", "Still down.")

    found = timestamps(env["BOT_DATABASE_URL"])
    assert_pinned(found)
    assert ("channels.updated_at", PINNED) in found  # the change itself, at the pinned moment

    # What people are shown: the CLI's views and the agents' lookup (the chat's answers).
    shown = [
        bot(change_env, "audit", "--limit", "50").stdout,
        bot(change_env, "incident", "list", "--all", "--json").stdout,
    ]
    settings = Settings.from_env(change_env)
    store = Store.from_settings(settings)
    try:
        with store.read() as session:
            view = lookup.describe(
                session, store.clock, lookup.Parse("ask_pharmacy_help", 0.99, []), "member"
            )
    finally:
        store.dispose()
    assert view["as_of"] == PINNED.isoformat()
    shown.append(json.dumps(view))
    if REAL_NOW.year > PINNED.year + 1:
        for text in shown:
            assert str(REAL_NOW.year) not in text
    assert view["answer"]


def test_a_dead_run_leaves_the_cli_on_the_real_clock(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    bot({**env, "BOT_NOW": PINNED.isoformat()}, "setup")
    runstate.write(Path(env["BOT_RUN_DIR"]), state(pid=dead_pid()))
    before = datetime.now(UTC)
    bot(env, "channel", "set-status", "vermont_blue_rx", "down", "--note", "x")
    stamps = dict(
        (where, moment)
        for where, moment in timestamps(env["BOT_DATABASE_URL"])
        if where == "channels.updated_at" and moment > PINNED
    )
    assert stamps and stamps["channels.updated_at"] >= before - timedelta(seconds=5)


# --- bot ask asks the running assistant ----------------------------------------------------


class FakeRasa(BaseHTTPRequestHandler):
    """Rasa's /model/parse, token-protected like ``rasa run --enable-api --auth-token``."""

    token = "ask-token"
    seen: list[str] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        url = urllib.parse.urlparse(self.path)
        provided = urllib.parse.parse_qs(url.query).get("token", [""])[0]
        length = int(self.headers.get("Content-Length") or 0)
        body: dict[str, Any] = json.loads(self.rfile.read(length) or b"{}")
        self.seen.append(body.get("text", ""))
        if url.path != "/model/parse" or provided != self.token:
            self.send_response(401)
            self.end_headers()
            return
        reply = {
            "intent": {"name": "ask_pharmacy_help", "confidence": 0.97},
            "intent_ranking": [{"name": "ask_pharmacy_help", "confidence": 0.97}],
        }
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def fake_rasa() -> Iterator[str]:
    FakeRasa.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeRasa)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_bot_ask_asks_the_running_assistant_with_its_token_and_clock(
    tmp_path: Path, fake_rasa: str
) -> None:
    env = base_env(tmp_path)
    bot({**env, "BOT_NOW": PINNED.isoformat()}, "setup")
    runstate.write(Path(env["BOT_RUN_DIR"]), state(rasa_url=fake_rasa, token=FakeRasa.token))
    started = time.monotonic()
    result = subprocess.run(
        [BOT, "ask", "--json", "is", "the", "pharmacy", "line", "working"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert "loading the model" not in result.stderr and "not running" not in result.stderr
    view = json.loads(result.stdout)
    assert (view["intent"], view["as_of"]) == ("ask_pharmacy_help", PINNED.isoformat())
    assert FakeRasa.seen == ["is the pharmacy line working"]
    assert elapsed < 10, f"bot ask took {elapsed:.1f}s"


def test_bot_ask_says_why_it_loads_the_model_itself(tmp_path: Path, fake_rasa: str) -> None:
    env = base_env(tmp_path)
    bot({**env, "BOT_NOW": PINNED.isoformat()}, "setup")
    runstate.write(Path(env["BOT_RUN_DIR"]), state(rasa_url=fake_rasa, token="stale"))
    result = subprocess.run(
        [BOT, "ask", "--model", str(tmp_path / "none.tar.gz"), "pharmacy"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "did not parse it" in result.stderr and "wrong API token" in result.stderr
    assert "loading the model here" in result.stderr and "stale" not in result.stderr
