"""Measure how well the trained model understands people, on data it never saw.

* Held-out set (``tests/nlu/``): intent accuracy and macro-F1, a per-intent table, a
  confusion matrix and the misclassified messages.
* CLINC150 validation split (out-of-domain requests): the share that lands on
  ``out_of_scope`` or ``nlu_fallback`` (both give the honest "can't help" answer).

For a held-out ``out_of_scope`` message, ``nlu_fallback`` counts as correct for the same reason.
Accuracy is also given per slice: the original set, whose mistakes trainers have read, and
the blind slices (``blind_slice*.yml``), written by someone who saw neither the training
data nor the model's errors. A gain that shows only on the first is fitted, not learned.
The model is loaded once and every message is parsed in-process.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.config import PROJECT_ROOT

HONEST = {"out_of_scope", "nlu_fallback"}
DEFAULT_HELD_OUT = PROJECT_ROOT / "tests" / "nlu"
DEFAULT_CLINC = PROJECT_ROOT / "data" / "clinc150" / "out_of_domain.json"
DEFAULT_REPORTS = PROJECT_ROOT / "reports" / "nlu"
BLIND_SLICES = "blind_slice*.yml"


@dataclass
class Results:
    accuracy: float
    macro_f1: float
    oos_rate: float | None
    per_intent: dict[str, dict[str, float]]
    misclassified: list[dict[str, Any]] = field(default_factory=list)
    held_out_size: int = 0
    clinc_size: int = 0
    slices: dict[str, dict[str, float]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "oos_rate": None if self.oos_rate is None else round(self.oos_rate, 4),
            "held_out_size": self.held_out_size,
            "clinc_size": self.clinc_size,
            "per_intent": self.per_intent,
            "slices": self.slices,
        }


def normalise(text: str) -> str:
    return " ".join(text.lower().split())


def load_held_out(directory: Path) -> list[tuple[str, str]]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(directory))
    return [(m.get("text"), m.get("intent")) for m in data.intent_examples]


def blind_texts(directory: Path) -> set[str]:
    """The (normalised) messages of the blind slices in a held-out folder."""
    found: set[str] = set()
    for path in sorted(directory.glob(BLIND_SLICES)):
        found.update(normalise(text) for text, _ in load_held_out(path))
    return found


def slice_accuracy(
    texts: list[str], gold: list[str], pred: list[str], blind: set[str]
) -> dict[str, dict[str, float]]:
    """Accuracy and size of the original set and of the blind slices, each on its own."""
    out: dict[str, dict[str, float]] = {}
    for name, wanted in (("original", False), ("blind", True)):
        rows = [
            (g, p)
            for t, g, p in zip(texts, gold, pred, strict=True)
            if (normalise(t) in blind) is wanted
        ]
        if rows:
            right = sum(g == p for g, p in rows)
            out[name] = {"accuracy": round(right / len(rows), 4), "size": len(rows)}
    return out


def load_clinc(path: Path, split: str = "validation") -> list[str]:
    if not path.is_file():
        return []
    return [row["text"] for row in json.loads(path.read_text(encoding="utf-8"))[split]]


def _effective(gold: str, predicted: str) -> str:
    """Map an honest answer to an out-of-scope message onto the gold label."""
    if gold == "out_of_scope" and predicted in HONEST:
        return gold
    return predicted


async def _predict(model: Path, texts: list[str]) -> list[tuple[str, float]]:
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    # Rasa logs every parsed message text at debug level; keep texts out of the output.
    configure_structlog(logging.WARNING)
    agent = Agent.load(str(model))
    out = []
    for text in texts:
        parsed = await agent.parse_message(text)
        intent = parsed.get("intent") or {}
        out.append((str(intent.get("name")), float(intent.get("confidence") or 0.0)))
    return out


def evaluate(
    model: Path, held_out: Path = DEFAULT_HELD_OUT, clinc: Path = DEFAULT_CLINC
) -> Results:
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    examples = load_held_out(held_out)
    oos_texts = load_clinc(clinc)
    predictions = asyncio.run(_predict(model, [t for t, _ in examples] + oos_texts))
    held_pred = predictions[: len(examples)]
    gold = [g for _, g in examples]
    pred = [_effective(g, p) for g, (p, _) in zip(gold, held_pred, strict=True)]
    labels = sorted(set(gold))
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, pred, labels=labels, zero_division=0
    )
    per_intent = {
        label: {
            "precision": round(float(p), 4),
            "recall": round(float(r), 4),
            "f1": round(float(f), 4),
            "support": int(s),
        }
        for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    }
    misclassified = [
        {"text": text, "gold": g, "predicted": p, "confidence": round(c, 3)}
        for (text, g), (p, c), eff in zip(examples, held_pred, pred, strict=True)
        if eff != g
    ]
    oos_pred = predictions[len(examples) :]
    oos_rate = (sum(p in HONEST for p, _ in oos_pred) / len(oos_pred)) if oos_pred else None
    return Results(
        accuracy=float(accuracy_score(gold, pred)),
        macro_f1=float(f1_score(gold, pred, labels=labels, average="macro", zero_division=0)),
        oos_rate=oos_rate,
        per_intent=per_intent,
        misclassified=misclassified,
        held_out_size=len(examples),
        clinc_size=len(oos_pred),
        slices=slice_accuracy([t for t, _ in examples], gold, pred, blind_texts(held_out)),
    )


def table(results: Results) -> str:
    lines = ["| intent | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|"]
    for label, m in results.per_intent.items():
        lines.append(
            f"| {label} | {m['precision']:.2f} | {m['recall']:.2f} | {m['f1']:.2f} "
            f"| {m['support']} |"
        )
    oos = "n/a" if results.oos_rate is None else f"{results.oos_rate:.1%}"
    lines += [
        "",
        f"Held-out accuracy: **{results.accuracy:.1%}** ({results.held_out_size} messages), "
        f"macro-F1: **{results.macro_f1:.3f}**",
        f"CLINC150 validation out-of-domain answered honestly: **{oos}** "
        f"({results.clinc_size} messages)",
    ]
    for name, label in (("original", "original set"), ("blind", "blind slices")):
        part = results.slices.get(name)
        if part:
            lines.append(f"- {label}: {part['accuracy']:.1%} ({int(part['size'])} messages)")
    return "\n".join(lines)


def write_reports(results: Results, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(results.as_dict(), indent=2) + "\n")
    (out / "intent_report.md").write_text("# NLU report (held-out set)\n\n" + table(results) + "\n")
    errors = [
        "# Misclassified held-out messages",
        "",
        "| text | expected | got | confidence |",
        "|---|---|---|---:|",
    ]
    for row in results.misclassified:
        text = row["text"].replace("|", "\\|")
        errors.append(f"| {text} | {row['gold']} | {row['predicted']} | {row['confidence']} |")
    (out / "misclassified.md").write_text("\n".join(errors) + "\n")
    _confusion_png(results, out / "confusion_matrix.png")


def _confusion_png(results: Results, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    labels = list(results.per_intent)
    index = {label: i for i, label in enumerate(labels)}
    extra = sorted({r["predicted"] for r in results.misclassified} - set(labels))
    columns = labels + extra
    col_index = {label: i for i, label in enumerate(columns)}
    matrix = np.zeros((len(labels), len(columns)), dtype=int)
    wrong = Counter((r["gold"], r["predicted"]) for r in results.misclassified)
    for label, metrics in results.per_intent.items():
        errors = sum(n for (g, _), n in wrong.items() if g == label)
        matrix[index[label], col_index[label]] = metrics["support"] - errors
    for (g, p), n in wrong.items():
        matrix[index[g], col_index[p]] += n
    fig, ax = plt.subplots(figsize=(12, 10))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(columns)), columns, rotation=90, fontsize=7)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    for (i, j), value in np.ndenumerate(matrix):
        if value:
            ax.text(
                j,
                i,
                str(value),
                ha="center",
                va="center",
                fontsize=6,
                color="white" if value > matrix.max() / 2 else "black",
            )
    ax.set_xlabel("predicted")
    ax.set_ylabel("expected")
    ax.set_title("Intent confusion matrix (held-out set)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
