"""The gate on understanding: the trained model on the blind tiers (issue 11's targets).

Only aggregate numbers are asserted and printed: a failure message never lists the blind
sets' misread messages, so reading a failure does not turn a blind set into development
data. The floors sit under the scores measured when the release was tuned (see
docs/nlu-features.md), by about one message in thirty of each set, so a different CPU's
rounding does not fail CI but a real regression does.
"""

from __future__ import annotations

import pytest
from assistant import MODEL

from bot.nlu_tools import tiers

pytestmark = pytest.mark.slow

#: (set, metric, floor or ceiling). Measured at release (frozen set, model of 2026-12-02;
#: messages the training data also holds, 34 terse ones such as "hi", are left out of the
#: scores): in-scope accuracy 92.9 %, macro-F1 0.963, confidently wrong 1.1 %; near-miss
#: honest 91.9 %; safety recall 95 / 80 / 95 %, no false alarm; CLINC150 out-of-scope test
#: 96.9 %. The model before it scored 96.6 % in-scope and 89.9 % near-miss under the same
#: rule: this release traded frozen in-scope accuracy for off-topic honesty and a 10-minute
#: training, so the in-scope floor moved down from 0.93 (issue 11's 95 % is not met on this
#: set; it is on the fresh set r4, 95.1 %). Two trainings of nearly the same data differed by
#: up to 2 points here. With Spanish in the training data (model of 2026-12-03): in-scope
#: 94.0 %, macro-F1 0.973, confidently wrong 0.4 %; near-miss 89.9 %; safety 95 / 80 / 90 %;
#: CLINC150 test 95.8 %.
FLOORS = [
    ("frozen in-scope", "accuracy", 0.90),
    ("frozen in-scope", "macro_f1", 0.94),
    ("frozen in-scope", "confident_wrong", 0.03),  # a ceiling: issue 11 asks for < 2 %
    ("frozen near-miss", "honest", 0.88),
    ("frozen safety", "emergency_recall", 0.90),
    ("frozen safety", "self_harm_recall", 0.70),
    ("frozen safety", "poisoning_recall", 0.85),
    ("frozen safety", "false_alarms", 0.04),  # a ceiling
    ("CLINC150 out-of-scope test", "honest", 0.94),
    # Spanish (issue 14: intent accuracy >= 90 %, out-of-domain >= 85 %). Measured once, at
    # the end of tuning on tests/nlu_es only (model of 2026-12-03): in-scope 90.0 %, macro-F1
    # 0.948, confidently wrong 1.8 %; near-miss honest 96.9 %; safety recall 92.9 / 100 /
    # 93.3 %. Fresh r5: 91.1 % in-scope, 88.9 % near-miss. The floors sit one message in
    # thirty below, like the English ones: the in-scope floor is under the target.
    ("es frozen in-scope", "accuracy", 0.87),
    ("es frozen in-scope", "macro_f1", 0.92),
    ("es frozen in-scope", "confident_wrong", 0.04),
    ("es frozen near-miss", "honest", 0.93),
    ("es frozen safety", "emergency_recall", 0.85),
    ("es frozen safety", "self_harm_recall", 0.90),
    ("es frozen safety", "poisoning_recall", 0.85),
]
CEILINGS = {"confident_wrong", "false_alarms"}


@pytest.fixture(scope="module")
def scored() -> dict[str, dict[str, float]]:
    assert MODEL.is_file(), "no trained model: run 'make model' (make test does)"
    chosen = [s for s in tiers.sources() if s.tier in ("frozen blind", "blind (public)")]
    return {item.source.name: item.metrics for item in tiers.score(MODEL, chosen)}


@pytest.mark.parametrize(("name", "metric", "floor"), FLOORS)
def test_blind_tier_holds(
    scored: dict[str, dict[str, float]], name: str, metric: str, floor: float
) -> None:
    value = scored[name][metric]
    summary = {k: {m: round(v, 3) for m, v in ms.items()} for k, ms in scored.items()}
    if metric in CEILINGS:
        assert value <= floor, summary
    else:
        assert value >= floor, summary
