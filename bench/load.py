"""Surge capacity, side by side: our assistant vs. a stock ``rasa init`` bot on one machine.

Both are served by the same Rasa. The stock bot is created and trained once by
``rasa init --no-prompt`` into ``var/bench/stock/`` and reused. Every simulated member
holds a 10-turn conversation over the REST channel from an address of their own
(127.0.0.x, as members on the internet have), and starts a new one when it ends; at each
concurrency the systems take turns (ours embedded, stock, ours production) so that machine
noise hits them alike. Counts errors and empty replies, and checks that our answers are
the real ones (the pharmacy line in the pharmacy answer), not fallbacks.

Prints the table, writes ``reports/bench/load.json`` and ``reports/bench/load.png``.

    .venv/bin/python bench/load.py [--levels 1,10,20,50] [--seconds 20] [--no-production]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from flood import _p

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "netguard")]

from assistant import (  # noqa: E402
    BIN,
    POSTGRES_ADMIN_URL,
    _wait,
    demo_store,
    drop_postgres_database,
    free_port,
    running_assistant,
    scaled_run,
)

NOW = "2023-11-28T10:00:00-05:00"
REPORTS = ROOT / "reports" / "bench"
STOCK_DIR = ROOT / "var" / "bench" / "stock"

#: A member's 10 turns during the outage (and what the answer must carry, where it is fixed).
OURS = [
    ("hi", None),
    ("are your phones down?", None),
    ("what's the pharmacy phone number", "(877) 493-1947"),
    ("my mom's pharmacy says they can't reach you about her insulin refill", "(877) 493-1947"),
    ("was my information stolen in the hack?", None),
    ("how up to date are the claims on the portal", None),
    ("do I need a prior auth for physical therapy in network starting next week", None),
    ("how do I pay my premium", None),
    ("I got an email telling me to pay on a website that is shut down", None),
    ("thanks, bye", None),
]
#: The stock bot's own domain (greet, mood, bot challenge, goodbye).
STOCK = [
    ("hi", None),
    ("I am feeling great", None),
    ("are you a bot?", None),
    ("hello there", None),
    ("I'm sad", None),
    ("yes", None),
    ("good morning", None),
    ("no", None),
    ("I am very happy", None),
    ("bye", None),
]


@dataclass
class Result:
    system: str
    concurrency: int
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    empty: int = 0
    wrong: int = 0
    seconds: float = 0.0

    def pct(self, q: float) -> float:
        return _p(self.latencies, q)

    def row(self) -> dict[str, object]:
        return {
            "system": self.system,
            "concurrency": self.concurrency,
            "messages": len(self.latencies),
            "msg_per_s": round(len(self.latencies) / self.seconds, 1) if self.seconds else 0,
            "p50_ms": round(self.pct(0.50) * 1000, 1),
            "p95_ms": round(self.pct(0.95) * 1000, 1),
            "p99_ms": round(self.pct(0.99) * 1000, 1),
            "errors": self.errors,
            "empty": self.empty,
            "wrong": self.wrong,
        }


async def _member(
    url: str, script: list[tuple[str, str | None]], k: int, end: float, result: Result
) -> None:
    """One member from 127.0.0.(k+2): conversation after conversation until ``end``."""
    connector = aiohttp.TCPConnector(local_addr=(f"127.0.0.{2 + k % 250}", 0), limit=1)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        while time.monotonic() < end:
            sender = f"load-{uuid.uuid4().hex[:12]}"
            for text, must in script:
                if time.monotonic() >= end:
                    return
                start = time.monotonic()
                try:
                    async with session.post(url, json={"sender": sender, "message": text}) as r:
                        status, replies = r.status, await r.json(content_type=None)
                except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
                    result.errors += 1
                    continue
                result.latencies.append(time.monotonic() - start)
                texts = " ".join(m.get("text", "") for m in replies or [])
                if status != 200:
                    result.errors += 1
                elif not texts.strip():
                    result.empty += 1
                elif must and must not in texts:
                    result.wrong += 1


async def _load(url: str, script: list[tuple[str, str | None]], result: Result, seconds: float):
    # Warm-up: a conversation per member level, not measured.
    await _member(url, script, 0, time.monotonic() + 1.0, Result("warm", 1))
    start = time.monotonic()
    end = start + seconds
    await asyncio.gather(*(_member(url, script, k, end, result) for k in range(result.concurrency)))
    result.seconds = time.monotonic() - start


def _stock_model() -> Path:
    """The stock ``rasa init`` bot, trained once and cached."""
    models = sorted((STOCK_DIR / "models").glob("*.tar.gz")) if STOCK_DIR.is_dir() else []
    if models:
        return models[-1]
    STOCK_DIR.mkdir(parents=True, exist_ok=True)
    print("training the stock rasa init bot (once, cached in var/bench/stock/) ...", flush=True)
    subprocess.run(
        [str(BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(STOCK_DIR)],
        check=True,
        cwd=STOCK_DIR,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
        stdout=subprocess.DEVNULL,
    )
    return sorted((STOCK_DIR / "models").glob("*.tar.gz"))[-1]


@contextmanager
def _stock_server(workdir: Path) -> Iterator[int]:
    port = free_port()
    log = workdir / "stock.log"
    proc = subprocess.Popen(
        [
            str(BIN / "rasa"),
            "run",
            "--model",
            str(_stock_model()),
            "--interface",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=STOCK_DIR,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", "SANIC_HOST": "127.0.0.1"},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        _wait(f"http://127.0.0.1:{port}/", [proc], [log])
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return round(total / 1024, 1)


def _plot(rows: list[dict[str, object]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for system in dict.fromkeys(r["system"] for r in rows):
        mine = [r for r in rows if r["system"] == system]
        xs = [r["concurrency"] for r in mine]
        left.plot(xs, [r["msg_per_s"] for r in mine], marker="o", label=system)
        right.plot(xs, [r["p95_ms"] for r in mine], marker="o", label=system)
    left.set(xlabel="concurrent conversations", ylabel="messages / s", title="Throughput")
    right.set(xlabel="concurrent conversations", ylabel="p95 latency (ms)", title="p95 latency")
    right.set_yscale("log")
    for ax in (left, right):
        ax.grid(True, alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="1,10,20,50")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--no-production", action="store_true")
    parser.add_argument(
        "--replicas", type=int, default=2, help="Rasa replicas behind HAProxy (0: leave out)"
    )
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        systems: dict[str, tuple[str, list[tuple[str, str | None]], list[int]]] = {}
        started = time.monotonic()
        embedded = stack.enter_context(running_assistant(workdir, demo_store(workdir, NOW), NOW))
        cold_start = time.monotonic() - started
        first = embedded.ask("what's the pharmacy phone number", "cold-start")
        cold_start_answer = time.monotonic() - started
        assert any("(877) 493-1947" in t for t in first), first
        url = f"http://127.0.0.1:{embedded.rasa_port}/webhooks/rest/webhook"
        systems["ours (embedded)"] = (url, OURS, [p.pid for p in embedded.processes])
        stock_port = stack.enter_context(_stock_server(workdir))
        systems["stock rasa init"] = (
            f"http://127.0.0.1:{stock_port}/webhooks/rest/webhook",
            STOCK,
            [],
        )
        if not args.no_production:
            prod_dir = workdir / "production"
            prod_dir.mkdir()
            db = "bench_load_trackers"
            drop_postgres_database(POSTGRES_ADMIN_URL, db)
            prod = stack.enter_context(
                running_assistant(prod_dir, demo_store(prod_dir, NOW), NOW, tracker_db=db)
            )
            systems["ours (PostgreSQL + Redis)"] = (
                f"http://127.0.0.1:{prod.rasa_port}/webhooks/rest/webhook",
                OURS,
                [p.pid for p in prod.processes],
            )
        if args.replicas > 0:
            scaled_dir = workdir / "scaled"
            scaled_dir.mkdir()
            db = "bench_load_scaled_trackers"
            drop_postgres_database(POSTGRES_ADMIN_URL, db)
            scaled = stack.enter_context(
                scaled_run(scaled_dir, demo_store(scaled_dir, NOW), NOW, db, args.replicas)
            )
            servers = [
                pid
                for pid, argv in scaled.children().items()
                if b"rasa" in argv and b"haproxy" not in argv
            ]
            systems[f"ours ({args.replicas} replicas, HAProxy)"] = (
                f"{scaled.rasa_url}/webhooks/rest/webhook",
                OURS,
                servers,
            )
        results: list[Result] = []
        for level in levels:
            for name, (url, script, _) in systems.items():
                result = Result(name, level)
                asyncio.run(_load(url, script, result, args.seconds))
                results.append(result)
                print(f"  {name:>26} c={level:<3} {result.row()}", flush=True)
        memory = {name: _rss_mb(pids) for name, (_, _, pids) in systems.items() if pids}
    rows = [r.row() for r in results]
    print()
    print(
        f"{'concurrency':>11} | {'system':>26} | {'msg/s':>6} | {'p50':>7} | {'p95':>7} | "
        f"{'p99':>7} | {'vs stock':>8} | err | empty | wrong"
    )
    ratios: dict[str, float] = {}
    for level in levels:
        stock = next(
            r for r in rows if r["concurrency"] == level and r["system"].startswith("stock")
        )
        for r in (r for r in rows if r["concurrency"] == level):
            ratio = r["msg_per_s"] / stock["msg_per_s"] if stock["msg_per_s"] else float("nan")
            ratios[f"{r['system']} @ {level}"] = round(ratio, 2)
            print(
                f"{level:>11} | {r['system']:>26} | {r['msg_per_s']:>6} | {r['p50_ms']:>5}ms | "
                f"{r['p95_ms']:>5}ms | {r['p99_ms']:>5}ms | {ratio:>7.2f}x | {r['errors']:>3} | "
                f"{r['empty']:>5} | {r['wrong']:>5}"
            )
    print(
        f"cold start to ready {cold_start:.1f} s, "
        f"to first correct answer {cold_start_answer:.1f} s; "
        f"resident memory (Rasa + actions): {memory} MB"
    )
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / "load.json").write_text(
        json.dumps(
            {
                "seconds_per_cell": args.seconds,
                "turns_per_conversation": len(OURS),
                "rows": rows,
                "throughput_vs_stock": ratios,
                "cold_start_s": round(cold_start, 1),
                "cold_start_first_answer_s": round(cold_start_answer, 1),
                "rss_mb": memory,
            },
            indent=2,
        )
        + "\n"
    )
    _plot(rows, REPORTS / "load.png")
    print(f"wrote {REPORTS / 'load.json'} and {REPORTS / 'load.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
