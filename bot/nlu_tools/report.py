"""``bot nlu report``: train an NLU-only model on ``data/nlu``, score it, compare with the baseline.

Trainers need to know whether their edit helped: the comparison against the committed
``reports/nlu/baseline.json`` says better / worse / unchanged per intent, ignoring moves
smaller than the noise (±0.01) that retraining alone produces.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.config import PROJECT_ROOT

DEFAULT_OUT = PROJECT_ROOT / "reports" / "nlu"
DEFAULT_MODEL_DIR = PROJECT_ROOT / "models" / "nlu-report"
MODEL_NAME = "nlu-report"
NOISE = 0.01
HEADLINE = {
    "accuracy": "held-out accuracy",
    "macro_f1": "held-out macro-F1",
    "oos_rate": "CLINC150 out-of-domain answered honestly",
}
BETTER, WORSE, UNCHANGED, NEW, REMOVED, UNKNOWN = (
    "better",
    "worse",
    "unchanged",
    "new",
    "removed",
    "n/a",
)


class ReportError(RuntimeError):
    """Training or evaluation could not run; the message says why in one line."""


@dataclass(frozen=True)
class Change:
    name: str
    before: float | None
    after: float | None
    verdict: str

    @property
    def delta(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass
class Comparison:
    baseline_found: bool
    headline: list[Change] = field(default_factory=list)
    intents: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def names(self, verdict: str) -> list[str]:
        return [c.name for c in self.intents if c.verdict == verdict]


def verdict(before: float | None, after: float | None, noise: float = NOISE) -> str:
    """Higher is better for every metric we compare; moves within ``noise`` are noise."""
    if before is None and after is None:
        return UNKNOWN
    if before is None:
        return NEW
    if after is None:
        return REMOVED
    delta = round(after - before, 6)
    if delta > noise:
        return BETTER
    if delta < -noise:
        return WORSE
    return UNCHANGED


def compare(
    current: dict[str, Any], baseline: dict[str, Any] | None, noise: float = NOISE
) -> Comparison:
    """Pure: two ``metrics.json`` dicts in, verdicts out (no baseline: everything is new)."""
    base = baseline or {}
    result = Comparison(baseline_found=baseline is not None)
    for name in HEADLINE:
        before, after = base.get(name), current.get(name)
        result.headline.append(Change(name, before, after, verdict(before, after, noise)))
    now = current.get("per_intent") or {}
    then = base.get("per_intent") or {}
    for name in sorted(set(now) | set(then)):
        before = then[name]["f1"] if name in then else None
        after = now[name]["f1"] if name in now else None
        result.intents.append(Change(name, before, after, verdict(before, after, noise)))
    if baseline is None:
        result.notes.append(
            "No baseline yet: run `make nlu-report` then `bot nlu report --update-baseline` "
            "(or copy metrics.json to baseline.json) and commit it."
        )
    else:
        for key, label in (("held_out_size", "held-out"), ("clinc_size", "CLINC150")):
            if base.get(key) != current.get(key):
                result.notes.append(
                    f"The {label} set changed size ({base.get(key)} → {current.get(key)} "
                    "messages): some differences come from the test set, not the training data."
                )
    return result


def _num(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "–"
    return f"{value:.1%}" if percent else f"{value:.3f}"


def _delta(change: Change, percent: bool = False) -> str:
    delta = change.delta
    if delta is None:
        return ""
    return f"{delta * 100:+.1f} pt" if percent else f"{delta:+.3f}"


def render_comparison(comparison: Comparison, current: dict[str, Any], noise: float = NOISE) -> str:
    """Markdown for ``reports/nlu/comparison.md``."""
    lines = ["# NLU report: this training data vs the baseline", ""]
    if comparison.baseline_found:
        worse, better = comparison.names(WORSE), comparison.names(BETTER)
        lines += [
            f"Differences of ±{noise} or less count as unchanged (retraining noise).",
            "",
            f"- **Worse** ({len(worse)}): {', '.join(worse) or 'none'}",
            f"- **Better** ({len(better)}): {', '.join(better) or 'none'}",
            f"- Unchanged: {len(comparison.names(UNCHANGED))}",
        ]
        for label, verdict_name in (("New intents", NEW), ("Removed intents", REMOVED)):
            if comparison.names(verdict_name):
                lines.append(f"- {label}: {', '.join(comparison.names(verdict_name))}")
        lines.append("")
    lines += [f"> {note}" for note in comparison.notes]
    if comparison.notes:
        lines.append("")
    lines += [
        "## Headline",
        "",
        "| metric | baseline | now | change | verdict |",
        "|---|---:|---:|---:|---|",
    ]
    for change in comparison.headline:
        percent = change.name != "macro_f1"
        lines.append(
            f"| {HEADLINE[change.name]} | {_num(change.before, percent)} | "
            f"{_num(change.after, percent)} | {_delta(change, percent)} | {change.verdict} |"
        )
    per_intent = current.get("per_intent") or {}
    lines += [
        "",
        "## Per intent (held-out set)",
        "",
        "| intent | precision | recall | F1 | baseline F1 | change | verdict | support |",
        "|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    for change in comparison.intents:
        m = per_intent.get(change.name)
        shown = (
            [f"{m['precision']:.2f}", f"{m['recall']:.2f}", f"{m['f1']:.2f}"]
            if m
            else ["–", "–", "–"]
        )
        mark = f"**{change.verdict}**" if change.verdict in (WORSE, BETTER) else change.verdict
        support = str(m["support"]) if m else "–"
        lines.append(
            f"| {change.name} | {' | '.join(shown)} | {_num(change.before)} | "
            f"{_delta(change)} | {mark} | {support} |"
        )
    return "\n".join(lines) + "\n"


def train_nlu(data: Path, config: Path, domain: Path, model_dir: Path) -> Path:
    """``rasa train nlu`` with its output streamed to the terminal (it takes minutes)."""
    rasa = Path(sys.executable).parent / "rasa"
    argv = [
        str(rasa if rasa.exists() else "rasa"),
        "train",
        "nlu",
        "--nlu",
        str(data),
        "--config",
        str(config),
        "--domain",
        str(domain),
        "--out",
        str(model_dir),
        "--fixed-model-name",
        MODEL_NAME,
    ]
    print("training an NLU-only model: " + " ".join(argv[1:]), flush=True)
    try:
        completed = subprocess.run(argv, cwd=PROJECT_ROOT, check=False)
    except OSError as exc:
        raise ReportError(f"cannot start rasa: {exc}") from exc
    model = model_dir / f"{MODEL_NAME}.tar.gz"
    if completed.returncode != 0 or not model.is_file():
        raise ReportError(
            f"training failed (rasa exited with {completed.returncode}); run 'make nlu-check' "
            "for the usual causes"
        )
    return model


def load_baseline(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ReportError(f"{path} is not valid JSON ({exc})") from exc
    return loaded if isinstance(loaded, dict) else None


def write_comparison(out: Path, baseline: Path, noise: float = NOISE) -> Comparison:
    current = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    comparison = compare(current, load_baseline(baseline), noise)
    (out / "comparison.md").write_text(render_comparison(comparison, current, noise))
    return comparison


def update_baseline(out: Path, baseline: Path) -> None:
    shutil.copyfile(out / "metrics.json", baseline)


def console_summary(comparison: Comparison) -> str:
    if not comparison.baseline_found:
        return "no baseline to compare with (see comparison.md)"
    parts = [
        f"{len(comparison.names(WORSE))} intents worse",
        f"{len(comparison.names(BETTER))} better",
        f"{len(comparison.names(UNCHANGED))} unchanged",
    ]
    worse = comparison.names(WORSE)
    headline = ", ".join(
        f"{c.name} {c.verdict}" for c in comparison.headline if c.verdict in (BETTER, WORSE)
    )
    text = "vs baseline: " + ", ".join(parts)
    if worse:
        text += f" (worse: {', '.join(worse)})"
    if headline:
        text += f"; {headline}"
    return text


def run(
    *,
    data: Path,
    config: Path,
    domain: Path,
    model_dir: Path = DEFAULT_MODEL_DIR,
    out: Path = DEFAULT_OUT,
    baseline: Path | None = None,
    held_out: Path | None = None,
    clinc: Path | None = None,
    noise: float = NOISE,
    update: bool = False,
) -> Comparison:
    """Train, evaluate, write ``out/`` (metrics, tables, confusion matrix, comparison)."""
    from bot.nlu_tools import evaluate  # imports TensorFlow: only when a report is wanted

    baseline = baseline or out / "baseline.json"
    model = train_nlu(data, config, domain, model_dir)
    print(f"evaluating {model} (loading the model takes a moment)...", flush=True)
    results = evaluate.evaluate(
        model, held_out or evaluate.DEFAULT_HELD_OUT, clinc or evaluate.DEFAULT_CLINC
    )
    evaluate.write_reports(results, out)
    comparison = write_comparison(out, baseline, noise)
    print(evaluate.table(results))
    print(console_summary(comparison))
    if update:
        update_baseline(out, baseline)
        print(f"baseline updated: {baseline} (commit it)")
    print(f"reports written to {out} (start with comparison.md)")
    return comparison
