"""The short chaos run (``make chaos`` runs the long one): faults under load cost nothing.

The whole assistant under ``bot run`` with a live store in PostgreSQL behind a proxy; an
editor marks the pharmacy line down, an action server is killed, the store is unreachable
for 10 seconds, the operations service is killed. No reply may be lost or empty, none may
offer the line that went down, and every message the assistant took is in its tracker once.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "assistant.tar.gz"
sys.path.insert(0, str(ROOT / "bench"))

pytestmark = pytest.mark.slow


def test_a_short_chaos_run_loses_nothing(postgres_server: str) -> None:
    import chaos

    if not MODEL.is_file():
        pytest.fail(f"no trained model at {MODEL}: run 'make model' (make test does)")
    result = chaos.chaos_run(seconds=40, members=4, model=MODEL)
    print(f"\nchaos (short): {result}")
    assert chaos.failures(result) == [], result["problems"]
    assert result["sent"] > 40 and result["conversations"] > 10
    assert len(result["faults"]) == 5, result["faults"]
    # The faults really bit: the line was offered until it went down, and the store outage
    # was answered from the last known routing.
    assert result["offered_the_line_before"] > 0 and result["answered_from_last_known"] > 0
