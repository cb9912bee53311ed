"""Several Rasa replicas behind HAProxy (``bot run --replicas 2``), as production runs them.

Conversations live in PostgreSQL and their locks in Redis, so a conversation's messages
may land on any replica, in turn. Checked against the real processes: every message is in
its conversation's tracker once and in the order sent, both replicas did the work, and
with one replica killed mid-load the other carries on (only turns in flight on the dead
one can fail) and the supervisor starts it again.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from assistant import (
    BIN,
    POSTGRES_ADMIN_URL,
    ROOT,
    ScaledRun,
    demo_store,
    drop_postgres_database,
    scaled_run,
)

from bot import runstate

pytestmark = pytest.mark.slow

NOW = "2023-11-28T10:00:00-05:00"
DB = "scale_out_test_trackers"
QUESTIONS = [
    "are your phones down?",
    "what's the pharmacy phone number",
    "was my information stolen in the hack?",
    "how up to date are the claims on the portal",
    "how do I pay my premium",
    "who do I call about medicare part d",
    "I got an email telling me to pay on a website that is shut down",
    "is open enrollment still on",
]
CONVERSATIONS = 6


@pytest.fixture(scope="module")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScaledRun]:
    work = tmp_path_factory.mktemp("scaled")
    drop_postgres_database(POSTGRES_ADMIN_URL, DB)
    with scaled_run(work, demo_store(work, NOW), NOW, DB, replicas=2) as run:
        yield run
    drop_postgres_database(POSTGRES_ADMIN_URL, DB)


def _chat(run: ScaledRun, sender: str, text: str) -> tuple[int, str]:
    """One message, from an address of the member's own (127.0.0.x), as on the internet."""
    port = int(run.rasa_url.rsplit(":", 1)[1])
    address = f"127.0.0.{2 + zlib.crc32(sender.encode()) % 250}"
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=90, source_address=(address, 0)
    )
    try:
        body = json.dumps({"sender": sender, "message": text})
        connection.request(
            "POST", "/webhooks/rest/webhook", body, {"Content-Type": "application/json"}
        )
        response = connection.getresponse()
        payload = response.read()
        if response.status != 200:
            return response.status, ""
        return 200, " ".join(m.get("text", "") for m in json.loads(payload))
    except OSError:
        return 0, ""
    finally:
        connection.close()


def _user_texts(run: ScaledRun, sender: str) -> list[str]:
    """The conversation's messages as its tracker holds them (read through the balancer;
    a read that met a replica as it died is read again)."""
    state = runstate.read(run.run_dir)
    assert state is not None and state.rasa_token
    url = f"{run.rasa_url}/conversations/{sender}/tracker?token={state.rasa_token}"
    for attempt in range(5):
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                tracker = json.loads(response.read())
            break
        except urllib.error.HTTPError as error:
            if error.code != 502 or attempt == 4:
                raise
            time.sleep(1)
    return [e["text"] for e in tracker["events"] if e["event"] == "user"]


def _replicas(run: ScaledRun) -> list[int]:
    return sorted(p for p, argv in run.children().items() if b"bot.rasa_launch" in argv)


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def _converse(run: ScaledRun, sender: str, turns: int) -> list[tuple[str, int, str]]:
    out = []
    for turn in range(turns):
        text = QUESTIONS[turn % len(QUESTIONS)]
        status, reply = _chat(run, sender, text)
        out.append((text, status, reply))
    return out


def _kept_once_in_order(kept: list[str], turns: list[tuple[str, int, str]]) -> bool:
    """Every answered turn is in the tracker once, in the order sent; a failed turn (in flight
    on the replica that died) is there once or not at all; nothing else is there."""
    rest = list(kept)
    for text, status, _ in turns:
        if rest and rest[0] == text:
            rest.pop(0)
        elif status == 200:
            return False
    return not rest


def test_two_replicas_share_every_conversation_once_and_in_order(scaled: ScaledRun) -> None:
    replicas = _replicas(scaled)
    assert len(replicas) == 2, scaled.children()
    before = {pid: _cpu_ticks(pid) for pid in replicas}
    senders = [f"shared-{i}" for i in range(CONVERSATIONS)]
    with ThreadPoolExecutor(CONVERSATIONS) as pool:
        done = dict(zip(senders, pool.map(lambda s: _converse(scaled, s, 8), senders), strict=True))
    for sender, turns in done.items():
        assert all(status == 200 and reply.strip() for _, status, reply in turns), turns
        assert "(877) 493-1947" in turns[1][2], turns[1]
        assert _user_texts(scaled, sender) == [text for text, _, _ in turns]
    # Round robin: both replicas answered (each burnt CPU time on the load).
    grown = [_cpu_ticks(pid) - before[pid] for pid in replicas]
    assert min(grown) > 0.25 * max(grown), grown


def test_two_messages_of_one_conversation_at_once_are_both_kept(scaled: ScaledRun) -> None:
    """The Redis lock makes replicas take a conversation's turns one at a time."""
    sender = "simultaneous"
    texts = ["are your phones down?", "what's the pharmacy phone number"]
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda t: _chat(scaled, sender, t), texts))
    assert all(status == 200 and reply for status, reply in answers), answers
    assert sorted(_user_texts(scaled, sender)) == sorted(texts)


def test_an_editors_change_is_in_the_next_answer_on_every_replica(scaled: ScaledRun) -> None:
    def bot(*argv: str) -> None:
        subprocess.run(
            [str(BIN / "bot"), "--actor", "scale-test", *argv],
            cwd=ROOT,
            env=scaled.env,
            check=True,
            capture_output=True,
            timeout=60,
        )

    bot("channel", "set-status", "vermont_blue_rx", "down", "--note", "Not answering.")
    try:
        # Round robin: four new conversations, two on each replica.
        for n in range(4):
            status, reply = _chat(scaled, f"edited-{n}", "what's the pharmacy phone number")
            assert status == 200 and "(877) 493-1947" not in reply, reply
            assert "not available right now" in reply, reply
    finally:
        bot("channel", "set-status", "vermont_blue_rx", "up")
    status, reply = _chat(scaled, "edited-again", "what's the pharmacy phone number")
    assert "(877) 493-1947" in reply, reply


def test_a_killed_replica_costs_only_its_turns_in_flight(scaled: ScaledRun) -> None:
    victim = _replicas(scaled)[0]
    senders = [f"survivor-{i}" for i in range(CONVERSATIONS)]
    # Long enough conversations that the kill lands mid-load.
    with ThreadPoolExecutor(CONVERSATIONS) as pool:
        futures = [pool.submit(_converse, scaled, s, 16) for s in senders]
        time.sleep(2)
        os.kill(victim, signal.SIGKILL)
        done = dict(zip(senders, (f.result() for f in futures), strict=True))
    failed = [(s, t) for s, turns in done.items() for t in turns if t[1] != 200]
    # At most the one turn each conversation had in flight on the killed replica.
    assert len(failed) <= CONVERSATIONS, failed
    for sender, turns in done.items():
        assert all(reply.strip() for _, status, reply in turns if status == 200), turns
        assert _kept_once_in_order(_user_texts(scaled, sender), turns), sender
    # Once the balancer has seen it go, nothing more reaches the dead replica.
    deadline = time.monotonic() + 30
    while "rasa1 is DOWN" not in scaled.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.5)
    for n in range(4):
        status, reply = _chat(scaled, f"after-the-kill-{n}", "are your phones down?")
        assert status == 200 and reply.strip(), (status, reply)
    status, reply = _chat(scaled, "after-the-kill", "what's the pharmacy phone number")
    assert status == 200 and "(877) 493-1947" in reply, reply
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        again = _replicas(scaled)
        if len(again) == 2 and victim not in again:
            break
        time.sleep(1)
    else:
        raise AssertionError(f"replica not restarted:\n{scaled.log.read_text()[-3000:]}")
    assert "rasa-1 stopped" in scaled.log.read_text()


def test_replicas_on_memory_stores_are_refused(tmp_path: Path) -> None:
    """Replicas that each kept their own conversations would answer a member who has just
    given a detail as if they had never spoken: refused, with what to do instead."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("BOT_")},
        "BOT_RUN_DIR": str(tmp_path / "run"),
        "BOT_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}",
        "BOT_NOW": NOW,
    }
    done = subprocess.run(
        [str(BIN / "bot"), "run", "--replicas", "2", "--rasa-port", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0 and "Traceback" not in done.stderr, done
    assert "endpoints.production.yml" in done.stderr, done.stderr
