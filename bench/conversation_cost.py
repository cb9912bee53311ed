"""Does the cost of a message stay flat as a conversation grows? (RulePolicy only.)

Starts the real assistant (trained model, action server, live store), then runs one long
conversation and a series of fresh one-message conversations side by side, interleaved so
machine noise hits both alike. Prints a table of median latencies by position in the
conversation and the ratio late/early, and writes reports/bench/conversation_cost.json.

    .venv/bin/python bench/conversation_cost.py [--turns 200]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "netguard")]

from assistant import demo_store, running_assistant  # noqa: E402

NOW = "2023-11-28T10:00:00-05:00"
QUESTIONS = [
    "what is the pharmacy phone number?",
    "are your phones down?",
    "was my data hacked?",
    "how do I pay my premium?",
    "where can I see my claims?",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url = demo_store(workdir, NOW)
        with running_assistant(workdir, url, NOW) as assistant:
            for q in QUESTIONS:  # warm up
                assistant.ask(q, "warm-up")
            long_run: list[float] = []
            fresh: list[float] = []
            for turn in range(args.turns):
                text = QUESTIONS[turn % len(QUESTIONS)]
                start = time.perf_counter()
                assistant.ask(text, "long-conversation")
                long_run.append(time.perf_counter() - start)
                start = time.perf_counter()
                assistant.ask(text, f"fresh-{turn}")
                fresh.append(time.perf_counter() - start)
    bins = [(0, 20), (args.turns // 2 - 10, args.turns // 2 + 10), (args.turns - 20, args.turns)]
    rows = []
    for lo, hi in bins:
        rows.append(
            {
                "turns": f"{lo + 1}-{hi}",
                "long_median_ms": round(statistics.median(long_run[lo:hi]) * 1000, 1),
                "fresh_median_ms": round(statistics.median(fresh[lo:hi]) * 1000, 1),
            }
        )
    late_over_early = rows[-1]["long_median_ms"] / rows[0]["long_median_ms"]
    long_over_fresh = rows[-1]["long_median_ms"] / rows[-1]["fresh_median_ms"]
    print(f"{'turns':>10} | {'long conversation (ms)':>22} | {'fresh conversation (ms)':>23}")
    for row in rows:
        print(f"{row['turns']:>10} | {row['long_median_ms']:>22} | {row['fresh_median_ms']:>23}")
    print(
        f"late/early (long conversation): {late_over_early:.2f}; "
        f"long/fresh at the end: {long_over_fresh:.2f}"
    )
    out = ROOT / "reports" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "conversation_cost.json").write_text(
        json.dumps(
            {
                "turns": args.turns,
                "bins": rows,
                "late_over_early": round(late_over_early, 3),
                "long_over_fresh": round(long_over_fresh, 3),
            },
            indent=2,
        )
        + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
