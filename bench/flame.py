"""Where does a message's time go? Flame graphs of the Rasa server and the action server.

(Not named profile.py: that shadowed the standard library's ``profile`` module, which
cProfile imports, in every test process with bench/ on its path.)

Starts the real assistant, puts 20 concurrent members on it (bench/load.py's script) and
samples both processes with py-spy meanwhile. Writes ``reports/bench/flame-rasa.svg`` and
``reports/bench/flame-actions.svg`` (open them in a browser), plus the top functions by
own time as text beside them.

    make profile        # py-spy comes from PyPI through uv, as a tool (not in the lock)
    .venv/bin/python bench/flame.py --py-spy PATH [--seconds 20] [--members 20]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "netguard"), str(ROOT / "bench")]

from assistant import demo_store, running_assistant  # noqa: E402
from load import NOW, OURS, REPORTS, Result, _load  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--py-spy", required=True, help="the py-spy executable")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--members", type=int, default=20)
    args = parser.parse_args()
    REPORTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        with running_assistant(workdir, demo_store(workdir, NOW), NOW) as assistant:
            actions, rasa = assistant.processes
            url = f"http://127.0.0.1:{assistant.rasa_port}/webhooks/rest/webhook"
            asyncio.run(_load(url, OURS, Result("warm-up", 2), 3))
            recorders = []
            for name, proc in (("rasa", rasa), ("actions", actions)):
                for fmt, suffix in (("flamegraph", "svg"), ("raw", "txt")):
                    recorders.append(
                        subprocess.Popen(
                            [
                                args.py_spy,
                                "record",
                                "--pid",
                                str(proc.pid),
                                "--duration",
                                str(args.seconds),
                                "--rate",
                                "200",
                                "--format",
                                fmt,
                                "--output",
                                str(REPORTS / f"flame-{name}.{suffix}"),
                                "--nonblocking",
                            ],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL,
                        )
                    )
            result = Result("ours (embedded)", args.members)
            asyncio.run(_load(url, OURS, result, args.seconds))
            for recorder in recorders:
                recorder.wait(timeout=60)
    print(result.row())
    for name in ("rasa", "actions"):
        _top(REPORTS / f"flame-{name}.txt", name)
    return 0


def _top(raw: Path, name: str, n: int = 25) -> None:
    """Inclusive sample share per function, from py-spy's collapsed stacks."""
    if not raw.is_file():
        print(f"no profile for {name}")
        return
    inclusive: dict[str, int] = {}
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        samples = int(count)
        total += samples
        for frame in set(stack.split(";")):
            inclusive[frame] = inclusive.get(frame, 0) + samples
    rows = sorted(inclusive.items(), key=lambda kv: -kv[1])[:n]
    lines = [f"{100 * c / total:5.1f}%  {frame}" for frame, c in rows]
    (raw.with_suffix(".top.txt")).write_text("\n".join(lines) + "\n")
    print(f"\n{name}: {total} samples, top by inclusive share")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
