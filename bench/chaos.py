"""Chaos run: break the running assistant under steady load and count what members lost.

Starts the whole assistant with ``bot run`` (two action servers behind HAProxy, Rasa, the
operations service) on a live store in PostgreSQL reached through a proxy this script can
cut. Simulated members hold conversations the whole time, while on a schedule:

- an editor marks the pharmacy line down (the answers must stop offering it at once);
- an action server is killed (SIGKILL) and started again by the supervisor;
- the live store becomes unreachable for 10 seconds;
- the operations service is killed and started again.

Reports, and writes ``reports/bench/chaos.json``: replies lost (no HTTP answer), empty
replies, answers that named a channel that was down, and user messages missing from (or
duplicated in) the conversation trackers afterwards. All must be 0.

    .venv/bin/python bench/chaos.py [--seconds 60] [--members 6]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "netguard")]

from assistant import free_port  # noqa: E402
from tcpproxy import TcpProxy  # noqa: E402

from bot import runstate  # noqa: E402

NOW = "2023-11-28T10:00:00-05:00"
BIN = Path(sys.executable).parent
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
REPORT = ROOT / "reports" / "bench" / "chaos.json"
#: What members ask, in order, one conversation each; the last is a prior-auth form.
CONVERSATIONS = [
    ["hi", "what's the pharmacy phone number?", "thanks"],
    ["are your phones down?", "was my data hacked?"],
    ["how do I pay my premium?", "where can I see my claims?"],
    ["I need a prior authorization", '/inform{"service_category":"other"}', "december 1"],
    ["my mom can't get her insulin refilled, who do we call?", "is the outage over?"],
]
#: The pharmacy line's number: once it is marked down, no answer may offer it.
PHARMACY_LINE = "(877) 493-1947"
RESEND = "send it again"
LAST_KNOWN = "I can't confirm the latest"


@dataclass
class Tally:
    sent: int = 0
    replies_lost: int = 0
    empty_replies: int = 0
    named_a_down_channel: int = 0
    asked_to_resend: int = 0
    #: Proof the checks bite: the line was offered before it went down, and the store
    #: outage was answered from the last known routing.
    offered_the_line_before: int = 0
    answered_from_last_known: int = 0
    events_lost: int = 0
    events_duplicated: int = 0
    latencies: list[float] = field(default_factory=list)
    #: What each conversation said and whether the assistant took it (answered, not refused).
    taken: dict[str, list[str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _create_database() -> tuple[str, str]:
    from sqlalchemy import create_engine, text

    name = f"bot_chaos_{os.getpid()}"
    engine = create_engine(ADMIN_URL, future=True, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return name, ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def _drop_database(name: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(ADMIN_URL, future=True, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def _children(pid: int) -> dict[int, bytes]:
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if parent == pid:
                found[int(entry.name)] = (entry / "cmdline").read_bytes()
        except OSError:
            continue
    return found


def _kill_child(pid: int, marker: bytes) -> int | None:
    for child, cmdline in sorted(_children(pid).items()):
        if marker in cmdline:
            os.kill(child, signal.SIGKILL)
            return child
    return None


class Member:
    def __init__(self, index: int, rasa_url: str, tally: Tally, t0: float) -> None:
        self.index, self.rasa_url, self.tally, self.t0 = index, rasa_url, tally, t0
        self.down_since: float | None = None

    async def run(self, session: aiohttp.ClientSession, until: float, clock: Chaos) -> None:
        n = 0
        while time.monotonic() < until:
            script = CONVERSATIONS[(self.index + n) % len(CONVERSATIONS)]
            sender = f"chaos-{self.index}-{n}"
            n += 1
            for text in script:
                if time.monotonic() >= until:
                    break
                await self.say(session, sender, text, clock)
                await asyncio.sleep(0.2)

    async def say(
        self, session: aiohttp.ClientSession, sender: str, text: str, chaos: Chaos
    ) -> None:
        tally = self.tally
        tally.sent += 1
        asked_at = time.monotonic()
        for attempt in range(3):  # a member resends when asked to, as the answer says
            start = time.monotonic()
            try:
                async with session.post(
                    f"{self.rasa_url}/webhooks/rest/webhook",
                    json={"sender": sender, "message": text},
                    timeout=aiohttp.ClientTimeout(total=60),
                ) as response:
                    body: Any = await response.json()
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
                tally.replies_lost += 1
                tally.problems.append(f"{sender}: no reply ({type(exc).__name__})")
                return
            tally.latencies.append(time.monotonic() - start)
            reply = " ".join(m.get("text") or "" for m in body if isinstance(m, dict))
            if not reply.strip() and not any(m.get("buttons") for m in body):
                tally.empty_replies += 1
                tally.problems.append(f"{sender}: empty reply to {text!r}")
                return
            down_since = chaos.pharmacy_down_at
            if down_since is None and PHARMACY_LINE in reply:
                tally.offered_the_line_before += 1
            if LAST_KNOWN in reply:
                tally.answered_from_last_known += 1
            if down_since is not None and asked_at > down_since + 1 and PHARMACY_LINE in reply:
                tally.named_a_down_channel += 1
                tally.problems.append(f"{sender}: offered the pharmacy line after it went down")
            if RESEND in reply:
                tally.asked_to_resend += 1
                await asyncio.sleep(1 + attempt)
                continue
            tally.taken.setdefault(sender, []).append(text)
            return


class Chaos:
    """The fault schedule, relative to the start of the load."""

    def __init__(self, run_pid: int, proxy: TcpProxy, env: dict[str, str], seconds: float):
        self.run_pid, self.proxy, self.env, self.seconds = run_pid, proxy, env, seconds
        self.pharmacy_down_at: float | None = None
        self.events: list[str] = []

    def note(self, t0: float, what: str) -> None:
        self.events.append(f"{time.monotonic() - t0:5.1f}s {what}")
        print(f"  {self.events[-1]}", flush=True)

    async def run(self, t0: float) -> None:
        s = self.seconds

        async def at(fraction: float) -> None:
            await asyncio.sleep(max(0.0, t0 + fraction * s - time.monotonic()))

        await at(0.08)
        result = await asyncio.to_thread(
            subprocess.run,
            [str(BIN / "bot"), "channel", "set-status", "vermont_blue_rx", "down"],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(result.stderr)
        self.pharmacy_down_at = time.monotonic()
        self.note(t0, "editor marked the pharmacy line down")
        await at(0.2)
        killed = _kill_child(self.run_pid, b"run\x00actions")
        self.note(t0, f"killed an action server (pid {killed})")
        await at(0.35)
        self.proxy.cut()
        self.note(t0, "live store unreachable")
        await asyncio.sleep(10)
        self.proxy.restore()
        self.note(t0, "live store back")
        await at(0.7)
        killed = _kill_child(self.run_pid, b"bot\x00serve")
        self.note(t0, f"killed the operations service (pid {killed})")


async def _load(rasa_url: str, members: int, chaos: Chaos, seconds: float) -> Tally:
    tally = Tally()
    t0 = time.monotonic()
    until = t0 + seconds
    async with aiohttp.ClientSession() as session:
        crowd = [Member(i, rasa_url, tally, t0).run(session, until, chaos) for i in range(members)]
        await asyncio.gather(chaos.run(t0), *crowd)
    return tally


def _check_trackers(rasa_url: str, token: str, tally: Tally) -> None:
    import urllib.request

    for sender, said in tally.taken.items():
        url = f"{rasa_url}/conversations/{sender}/tracker?token={token}"
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (loopback)
            events = json.loads(response.read())["events"]
        stored = [e.get("text") for e in events if e.get("event") == "user"]
        for text in said:
            count = stored.count(text)
            if count == 0:
                tally.events_lost += 1
                tally.problems.append(f"{sender}: {text!r} missing from its tracker")
            elif count > said.count(text):
                tally.events_duplicated += 1
                tally.problems.append(f"{sender}: {text!r} stored {count} times")


def _wait_ready(run_dir: Path, process: subprocess.Popen[bytes], log: Path) -> runstate.RunState:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"bot run exited early:\n{log.read_text()[-3000:]}")
        state = runstate.read(run_dir)
        if state is not None and state.ready:
            return state
        time.sleep(1)
    raise TimeoutError(f"bot run not ready:\n{log.read_text()[-3000:]}")


def chaos_run(seconds: float, members: int, model: Path) -> dict[str, Any]:
    name, direct_url = _create_database()
    proxy = TcpProxy(5432)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            url = direct_url.replace(":5432/", f":{proxy.port}/")
            env = {
                **{k: v for k, v in os.environ.items() if not k.startswith("BOT_")},
                "BOT_NOW": NOW,
                "BOT_DATABASE_URL": url,
                "BOT_RUN_DIR": str(work / "run"),
                "BOT_SNAPSHOT_PATH": str(work / "last-known-routing.json"),
                "BOT_ACTOR": "chaos",
                # Every simulated member comes from 127.0.0.1: the per-address budget would
                # throttle the load itself, not a flood.
                "BOT_CHAT_PER_MINUTE_PER_IP": "100000",
                "BOT_CHAT_PER_MINUTE_PER_SENDER": "100000",
                "PYTHONPATH": str(ROOT / "tests" / "netguard"),
                "BOT_NETGUARD_LOG": str(work / "netguard.log"),
                "RASA_TELEMETRY_ENABLED": "false",
            }
            subprocess.run([str(BIN / "bot"), "setup"], env=env, check=True, capture_output=True)
            log = work / "bot-run.log"
            argv = [str(BIN / "bot"), "run", "--model", str(model)]
            for option in ("--rasa-port", "--actions-port", "--ops-port"):
                argv += [option, str(free_port())]
            process = subprocess.Popen(
                argv, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
            )
            try:
                state = _wait_ready(work / "run", process, log)
                print(f"chaos: {members} members for {seconds:.0f}s", flush=True)
                chaos = Chaos(process.pid, proxy, env, seconds)
                tally = asyncio.run(_load(state.rasa_url, members, chaos, seconds))
                assert state.rasa_token is not None
                _check_trackers(state.rasa_url, state.rasa_token, tally)
                still_running = process.poll() is None
            finally:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
            if (work / "netguard.log").exists():
                tally.problems.append("a process tried to reach the internet")
    finally:
        proxy.close()
        _drop_database(name)
    lat = sorted(tally.latencies) or [0.0]
    result = {k: v for k, v in asdict(tally).items() if k not in ("latencies", "taken")}
    result.update(
        seconds=seconds,
        members=members,
        conversations=len(tally.taken),
        p50_ms=round(1000 * lat[len(lat) // 2]),
        p95_ms=round(1000 * lat[int(len(lat) * 0.95)]),
        max_ms=round(1000 * lat[-1]),
        faults=chaos.events,
        assistant_kept_running=still_running,
    )
    return result


def failures(result: dict[str, Any]) -> list[str]:
    """What went wrong for members (empty when the run passed)."""
    keys = (
        "replies_lost",
        "empty_replies",
        "named_a_down_channel",
        "events_lost",
        "events_duplicated",
    )
    found = [f"{k} = {result[k]}" for k in keys if result[k]]
    if not result["assistant_kept_running"]:
        found.append("bot run stopped")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--members", type=int, default=6)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "assistant.tar.gz")
    args = parser.parse_args()
    result = chaos_run(args.seconds, args.members, args.model)
    print("\n| measure | value |\n|---|---:|")
    for key in (
        "sent",
        "conversations",
        "replies_lost",
        "empty_replies",
        "named_a_down_channel",
        "events_lost",
        "events_duplicated",
        "asked_to_resend",
        "offered_the_line_before",
        "answered_from_last_known",
        "p50_ms",
        "p95_ms",
        "max_ms",
    ):
        print(f"| {key} | {result[key]} |")
    for problem in result["problems"][:20]:
        print(f"  ! {problem}")
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwritten {REPORT.relative_to(ROOT)}")
    bad = failures(result)
    print("chaos: PASS" if not bad else f"chaos: FAIL ({', '.join(bad)})")
    return 0 if not bad else 1


if __name__ == "__main__":
    raise SystemExit(main())
