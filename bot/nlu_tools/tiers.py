"""Understanding measured in three tiers, so a gain that is only fitted shows as such.

* **development**: sets whose errors the team reads and tunes on (``tests/nlu``,
  ``tests/nlu_dev``, CLINC150's validation split and its out-of-scope train/validation).
* **frozen blind** (``tests/nlu_blind``): written by helpers who saw only the seed documents
  and a brief; scored at the end of a release, its errors never read.
* **fresh blind** (the newest ``tests/nlu_fresh/<release>``): written again for each release
  the same way; also scored at the end only.
* CLINC150's out-of-scope **test** split counts with the blind tiers: nothing trains on it.

Each set is one of four kinds: labelled messages (accuracy, macro-F1, how often a wrong topic
is answered with confidence, how often the did-you-mean buttons show), out-of-domain messages
(share answered honestly), safety messages (recall per kind, false alarms) and route checks
(does the answer carry the working pharmacy or Part D line).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bot.config import PROJECT_ROOT
from bot.nlu_tools import checks
from bot.nlu_tools.evaluate import HONEST, load_held_out

TESTS = PROJECT_ROOT / "tests"
CLINC = PROJECT_ROOT / "data" / "clinc150"
SAFETY_INTENTS = ("emergency", "self_harm", "poisoning")
#: Route checks: the label names the routing topics one of whose first working channels the
#: answer must carry (a provider's drug prior auth goes to the pharmacy vendor's portal).
ROUTE_LABELS = {"needs_pharmacy": ("pharmacy", "prior_auth_pharmacy"), "needs_part_d": ("part_d",)}


@dataclass(frozen=True)
class Source:
    """One set of messages: where it comes from, its tier and what kind of set it is."""

    name: str
    tier: str
    kind: str  # labelled | ood | safety | routes
    examples: tuple[tuple[str, str], ...]
    #: Messages left out because the training data holds the same text (terse ones such as
    #: "hi" or "in network", which independent writers write alike).
    seen_in_training: int = 0
    #: The language the set is written in (en, es); its route checks are answered in it.
    language: str = "en"


@dataclass
class Parsed:
    text: str
    intent: str
    confidence: float
    #: The classifier's own best guess and its confidence, before the fallback threshold.
    raw_intent: str
    raw_confidence: float
    entities: dict[str, str] = field(default_factory=dict)


def _yaml(path: Path) -> tuple[tuple[str, str], ...]:
    return tuple(load_held_out(path)) if path.exists() else ()


def _clinc(file: str, *splits: str) -> tuple[tuple[str, str], ...]:
    path = CLINC / file
    if not path.is_file():
        return ()
    data = json.loads(path.read_text(encoding="utf-8"))
    rows: list[tuple[str, str]] = []
    for split in splits:
        for row in data.get(split, []):
            rows.append((row["text"] if isinstance(row, dict) else row, "out_of_scope"))
    return tuple(rows)


def latest_fresh(root: Path = TESTS / "nlu_fresh") -> Path | None:
    releases = sorted(p for p in root.glob("*") if p.is_dir()) if root.is_dir() else []
    return releases[-1] if releases else None


def sources() -> list[Source]:
    training = training_texts()
    found = [
        Source("held-out (tests/nlu)", "development", "labelled", _yaml(TESTS / "nlu")),
        Source(
            "realistic dev (tests/nlu_dev)",
            "development",
            "labelled",
            _yaml(TESTS / "nlu_dev" / "realistic_v2.yml"),
        ),
        Source(
            "routes dev (tests/nlu_dev)",
            "development",
            "routes",
            _yaml(TESTS / "nlu_dev" / "routes.yml"),
        ),
        Source(
            "safety dev (tests/nlu_dev)",
            "development",
            "safety",
            _yaml(TESTS / "nlu_dev" / "safety.yml"),
        ),
        Source(
            "near-miss dev (tests/nlu_dev)",
            "development",
            "labelled",
            _yaml(TESTS / "nlu_dev" / "near_miss.yml"),
        ),
        Source(
            "CLINC150 validation (other intents)",
            "development",
            "ood",
            _clinc("out_of_domain.json", "validation"),
        ),
        Source(
            "CLINC150 out-of-scope train+validation",
            "development",
            "ood",
            _clinc("out_of_scope.json", "train", "validation"),
        ),
    ]
    frozen = TESTS / "nlu_blind"
    found += [
        Source(
            "frozen in-scope", "frozen blind", "labelled", _yaml(frozen / "frozen_in_scope.yml")
        ),
        Source(
            "frozen near-miss", "frozen blind", "ood", _yaml(frozen / "frozen_near_miss_ood.yml")
        ),
        Source("frozen safety", "frozen blind", "safety", _yaml(frozen / "frozen_safety.yml")),
    ]
    fresh = latest_fresh()
    if fresh is not None:
        tag = fresh.name
        found += [
            Source(
                f"fresh {tag} in-scope", "fresh blind", "labelled", _yaml(fresh / "in_scope.yml")
            ),
            Source(
                f"fresh {tag} near-miss", "fresh blind", "ood", _yaml(fresh / "near_miss_ood.yml")
            ),
            Source(f"fresh {tag} safety", "fresh blind", "safety", _yaml(fresh / "safety.yml")),
            Source(f"fresh {tag} routes", "fresh blind", "routes", _yaml(fresh / "routes.yml")),
        ]
    found += spanish_sources()
    found.append(
        Source(
            "CLINC150 out-of-scope test",
            "blind (public)",
            "ood",
            _clinc("out_of_scope.json", "test"),
        )
    )
    return [_unseen(s, training) for s in found if s.examples]


def spanish_sources() -> list[Source]:
    """The same three tiers in Spanish (tests/nlu_es, tests/nlu_blind_es, tests/nlu_fresh_es)."""
    dev, frozen = TESTS / "nlu_es", TESTS / "nlu_blind_es"
    found = [
        Source("es in-scope dev", "development", "labelled", _yaml(dev / "in_scope.yml")),
        Source("es near-miss dev", "development", "ood", _yaml(dev / "near_miss_ood.yml")),
        Source("es safety dev", "development", "safety", _yaml(dev / "safety.yml")),
        Source("es routes dev", "development", "routes", _yaml(dev / "routes.yml")),
        Source(
            "es frozen in-scope", "frozen blind", "labelled", _yaml(frozen / "frozen_in_scope.yml")
        ),
        Source(
            "es frozen near-miss", "frozen blind", "ood", _yaml(frozen / "frozen_near_miss_ood.yml")
        ),
        Source("es frozen safety", "frozen blind", "safety", _yaml(frozen / "frozen_safety.yml")),
    ]
    fresh = latest_fresh(TESTS / "nlu_fresh_es")
    if fresh is not None:
        tag = fresh.name
        found += [
            Source(f"es fresh {tag} {name}", "fresh blind", kind, _yaml(fresh / f"{file}.yml"))
            for name, kind, file in (
                ("in-scope", "labelled", "in_scope"),
                ("near-miss", "ood", "near_miss_ood"),
                ("safety", "safety", "safety"),
                ("routes", "routes", "routes"),
            )
        ]
    return [replace(s, language="es") for s in found]


def training_texts(data: Path = checks.DEFAULT_DATA) -> frozenset[str]:
    return frozenset(ex.key for ex in checks.load_nlu(data).examples)


def _unseen(source: Source, training: frozenset[str]) -> Source:
    """The source without the messages the model was trained on: they would score as seen."""
    kept = tuple((t, g) for t, g in source.examples if checks.normalise(t) not in training)
    return replace(source, examples=kept, seen_in_training=len(source.examples) - len(kept))


async def _parse_all(model: Path, texts: list[str]) -> list[Parsed]:
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    # Rasa logs every parsed message at debug level: no message texts in the output.
    configure_structlog(logging.WARNING)
    logging.getLogger("rasa").setLevel(logging.WARNING)
    agent = Agent.load(str(model))
    out = []
    for text in texts:
        data = await agent.parse_message(text)
        intent = data.get("intent") or {}
        ranking = [r for r in data.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
        raw = ranking[0] if ranking else intent
        out.append(
            Parsed(
                text=text,
                intent=str(intent.get("name") or "nlu_fallback"),
                confidence=float(intent.get("confidence") or 0.0),
                raw_intent=str(raw.get("name") or "nlu_fallback"),
                raw_confidence=float(raw.get("confidence") or 0.0),
                entities={
                    str(e["entity"]): str(e["value"])
                    for e in reversed(data.get("entities") or [])
                    if e.get("value") is not None
                },
            )
        )
    return out


def parse(model: Path, texts: list[str]) -> list[Parsed]:
    return asyncio.run(_parse_all(model, texts))


# --------------------------------------------------------------------------- metrics


def labelled_metrics(gold: list[str], parsed: list[Parsed]) -> dict[str, float]:
    from sklearn.metrics import f1_score

    pred = [
        g if (g == "out_of_scope" and p.intent in HONEST) else p.intent
        for g, p in zip(gold, parsed, strict=True)
    ]
    n = len(gold)
    labels = sorted(set(gold))
    in_scope = [(g, p) for g, p in zip(gold, pred, strict=True) if g != "out_of_scope"]
    return {
        "size": n,
        "accuracy": sum(g == p for g, p in zip(gold, pred, strict=True)) / n,
        "macro_f1": float(f1_score(gold, pred, labels=labels, average="macro", zero_division=0)),
        "confident_wrong": sum(p != g and p not in HONEST for g, p in in_scope)
        / max(len(in_scope), 1),
        "did_you_mean": sum(p == "nlu_fallback" for _, p in in_scope) / max(len(in_scope), 1),
    }


def ood_metrics(parsed: list[Parsed]) -> dict[str, float]:
    return {"size": len(parsed), "honest": sum(p.intent in HONEST for p in parsed) / len(parsed)}


def safety_metrics(gold: list[str], parsed: list[Parsed]) -> dict[str, float]:
    out: dict[str, float] = {"size": len(gold)}
    for kind in SAFETY_INTENTS:
        rows = [p for g, p in zip(gold, parsed, strict=True) if g == kind]
        if rows:
            out[f"{kind}_recall"] = sum(p.intent == kind for p in rows) / len(rows)
    calm = [p for g, p in zip(gold, parsed, strict=True) if g not in SAFETY_INTENTS]
    if calm:
        out["false_alarms"] = sum(p.intent in SAFETY_INTENTS for p in calm) / len(calm)
    return out


def route_metrics(gold: list[str], parsed: list[Parsed], language: str = "en") -> dict[str, float]:
    """Share of answers that carry the working channel their label names (demo store)."""
    import tempfile
    from datetime import datetime

    from bot import migrate, scenario, topics
    from bot.clock import Clock
    from bot.db import Store
    from bot.services import routing

    moment = scenario.demo_now(scenario.DEMO_SCENARIO) or datetime.now().astimezone()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.create(f"sqlite:///{tmp}/store.db", Clock.fixed(moment))
        migrate.upgrade(store.engine)
        with store.begin("route-check") as s:
            scenario.load(s, scenario.read(scenario.DEMO_SCENARIO), store.clock.now())
        hits = 0
        with store.read() as s:
            for label, p in zip(gold, parsed, strict=True):
                audience = p.entities.get("audience", "member")
                asked = topics.Asked(
                    audience=audience, entities=dict(p.entities), language=language
                )
                answer = topics.for_intent(s, store.clock, p.intent, asked)
                firsts = [
                    offer.usable[0].contact
                    for topic in ROUTE_LABELS[label]
                    if (offer := routing.offer(s, topic, audience)).usable
                ]
                hits += bool(answer and any(c in answer.text for c in firsts))
        store.dispose()
    return {"size": len(gold), "route_included": hits / len(gold)}


METRICS = {
    "ood": lambda gold, parsed: ood_metrics(parsed),
    "labelled": labelled_metrics,
    "safety": safety_metrics,
    "routes": route_metrics,
}


@dataclass
class Scored:
    source: Source
    metrics: dict[str, float]
    parsed: list[Parsed]


def score(model: Path, chosen: Iterable[Source]) -> list[Scored]:
    chosen = list(chosen)
    texts = [t for s in chosen for t, _ in s.examples]
    parsed = parse(model, texts)
    out, at = [], 0
    for s in chosen:
        part = parsed[at : at + len(s.examples)]
        at += len(s.examples)
        gold = [g for _, g in s.examples]
        if s.kind == "routes":
            metrics = route_metrics(gold, part, s.language)
        else:
            metrics = METRICS[s.kind](gold, part)
        out.append(Scored(s, metrics, part))
    return out


# --------------------------------------------------------------------------- reports


def table(scored: list[Scored]) -> str:
    lines = ["| language | tier | set | n | result |", "|---|---|---|---:|---|"]
    for item in scored:
        m = dict(item.metrics)
        size = int(m.pop("size"))
        shown = ", ".join(
            f"{k} {v:.1%}" if k != "macro_f1" else f"{k} {v:.3f}" for k, v in m.items()
        )
        seen = item.source.seen_in_training
        name = item.source.name + (f" ({seen} seen in training, left out)" if seen else "")
        lines.append(f"| {item.source.language} | {item.source.tier} | {name} | {size} | {shown} |")
    return "\n".join(lines)


def reliability(scored: list[Scored], path: Path, bins: int = 10) -> list[dict[str, Any]]:
    """Confidence vs. accuracy of the classifier's own top guess on labelled messages."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pairs = [
        (p.raw_confidence, p.raw_intent == g)
        for item in scored
        if item.source.kind == "labelled"
        for (_, g), p in zip(item.source.examples, item.parsed, strict=True)
        if g != "out_of_scope"
    ]
    rows = []
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        inside = [ok for c, ok in pairs if lo <= c < hi or (b == bins - 1 and c == 1.0)]
        if inside:
            rows.append(
                {"from": lo, "to": hi, "n": len(inside), "accuracy": sum(inside) / len(inside)}
            )
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfectly calibrated")
    ax.bar(
        [(r["from"] + r["to"]) / 2 for r in rows],
        [r["accuracy"] for r in rows],
        width=1 / bins * 0.9,
        alpha=0.7,
        label="accuracy in bin",
    )
    for r in rows:
        ax.text(
            (r["from"] + r["to"]) / 2, r["accuracy"] + 0.02, str(r["n"]), ha="center", fontsize=7
        )
    ax.set_xlabel("classifier confidence (top intent)")
    ax.set_ylabel("share correct")
    ax.set_title(f"Reliability, {len(pairs)} in-scope messages, all tiers")
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return rows


def write(scored: list[Scored], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    rows = reliability(scored, out / "reliability.png")
    data = {
        "tiers": [
            {
                "language": s.source.language,
                "tier": s.source.tier,
                "set": s.source.name,
                **{k: round(v, 4) for k, v in s.metrics.items()},
            }
            for s in scored
        ],
        "reliability": rows,
    }
    (out / "tiers.json").write_text(json.dumps(data, indent=2) + "\n")
    (out / "tiers.md").write_text("# NLU by tier\n\n" + table(scored) + "\n")
