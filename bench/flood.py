"""Does one flooding client slow down everybody else? A member's latency with and without it.

Starts the real assistant with the chat's default budgets (per conversation and per
address). A member (from 127.0.0.1) asks a question a second, first alone, then while a
flooder (from 127.0.0.2, so it has an address of its own) sends as fast as 50 connections
allow from 50 conversations. Prints the member's p50/p95 in both phases and their ratio
(target: flood p95 <= 2x quiet p95), and writes reports/bench/flood.json.

    .venv/bin/python bench/flood.py [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "netguard")]

from assistant import demo_store, running_assistant  # noqa: E402

NOW = "2023-11-28T10:00:00-05:00"
REPORT = ROOT / "reports" / "bench" / "flood.json"
QUESTIONS = ["what's the pharmacy phone number?", "are your phones down?", "was my data hacked?"]
SLOW_DOWN = "faster than I can read"


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else float("nan")


async def _member(url: str, seconds: float) -> list[float]:
    latencies: list[float] = []
    async with aiohttp.ClientSession() as session:
        end, n = time.monotonic() + seconds, 0
        while time.monotonic() < end:
            body = {"sender": f"member-{n // 3}", "message": QUESTIONS[n % 3]}
            n += 1
            start = time.monotonic()
            async with session.post(url, json=body) as response:
                replies = await response.json()
            latencies.append(time.monotonic() - start)
            assert replies and SLOW_DOWN not in json.dumps(replies), replies
            await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - start)))
    return latencies


async def _flooder(url: str, stop: asyncio.Event, counts: dict[str, int]) -> None:
    connector = aiohttp.TCPConnector(local_addr=("127.0.0.2", 0), limit=50)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(k: int) -> None:
            n = 0
            while not stop.is_set():
                body = {"sender": f"flood-{k}", "message": f"pharmacy? {n}"}
                n += 1
                try:
                    async with session.post(url, json=body) as response:
                        text = await response.text()
                except aiohttp.ClientError:
                    counts["errors"] += 1
                    continue
                counts["sent"] += 1
                counts["slowed"] += SLOW_DOWN in text

        await asyncio.gather(*(one(k) for k in range(50)))


async def _phase(url: str, seconds: float, flood: bool) -> tuple[list[float], dict[str, int]]:
    counts = {"sent": 0, "slowed": 0, "errors": 0}
    stop = asyncio.Event()
    flooding = asyncio.create_task(_flooder(url, stop, counts)) if flood else None
    try:
        latencies = await _member(url, seconds)
    finally:
        stop.set()
        if flooding:
            await flooding
    return latencies, counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        with running_assistant(workdir, demo_store(workdir, NOW), NOW, chat_limits=True) as bot:
            url = f"http://127.0.0.1:{bot.rasa_port}/webhooks/rest/webhook"
            asyncio.run(_phase(url, 5, flood=False))  # warm up
            quiet, _ = asyncio.run(_phase(url, args.seconds, flood=False))
            loud, counts = asyncio.run(_phase(url, args.seconds, flood=True))
    rows = {
        "quiet": {
            "n": len(quiet),
            "p50_ms": _p(quiet, 0.5) * 1000,
            "p95_ms": _p(quiet, 0.95) * 1000,
        },
        "flood": {"n": len(loud), "p50_ms": _p(loud, 0.5) * 1000, "p95_ms": _p(loud, 0.95) * 1000},
    }
    ratio = rows["flood"]["p95_ms"] / rows["quiet"]["p95_ms"]
    print("| member's latency | messages | p50 | p95 |\n|---|---:|---:|---:|")
    for phase, row in rows.items():
        print(f"| {phase} | {row['n']} | {row['p50_ms']:.0f} ms | {row['p95_ms']:.0f} ms |")
    print(
        f"\nflooder: {counts['sent']} answered requests, {counts['slowed']} told to slow down, "
        f"{counts['errors']} connection errors; member p95 flood/quiet = {ratio:.2f}x "
        "(target <= 2x)"
    )
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(
        json.dumps(
            {
                **rows,
                "flooder": counts,
                "p95_ratio": round(ratio, 2),
                "median_quiet_ms": statistics.median(quiet) * 1000,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"written {REPORT.relative_to(ROOT)}")
    return 0 if ratio <= 2 else 1


if __name__ == "__main__":
    raise SystemExit(main())
