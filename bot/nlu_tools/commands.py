"""The trainers' commands under ``bot nlu``: check, report, inbox, add.

Kept out of ``bot/cli.py`` so the trainer tooling can grow without touching the operations
CLI; heavy imports (Rasa, TensorFlow) happen inside the commands that need them.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.config import PROJECT_ROOT, Settings

Handler = Callable[[argparse.Namespace, Settings], int]


class NluToolError(Exception):
    """A problem to report in one line (exit 1)."""


def _one_line_errors(handler: Handler) -> Handler:
    """Known failures become ``bot: error: …`` and exit 1, like the rest of ``bot``."""

    @functools.wraps(handler)
    def wrapped(args: argparse.Namespace, settings: Settings) -> int:
        from bot.nlu_tools.add import AddError
        from bot.nlu_tools.inbox import InboxError
        from bot.nlu_tools.report import ReportError

        try:
            return handler(args, settings)
        except (NluToolError, AddError, InboxError, ReportError) as exc:
            print(f"bot: error: {exc}", file=sys.stderr)
            return 1

    return wrapped


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    from bot.nlu_tools import checks

    if not args.data.exists():
        raise NluToolError(f"no training data at {args.data}")
    issues = checks.run_checks(
        args.data,
        args.domain,
        held_out=() if args.no_held_out else tuple(args.held_out or checks.EVALUATION_SETS),
        min_examples=args.min_examples,
    )
    for issue in issues:
        print(issue.render())
    print(checks.summary(issues))
    return 1 if any(issue.severity == checks.ERROR for issue in issues) else 0


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    from bot.nlu_tools import report

    report.run(
        data=args.data,
        config=args.config,
        domain=args.domain,
        model_dir=args.model_dir,
        out=args.out,
        baseline=args.baseline,
        held_out=args.held_out,
        clinc=args.clinc,
        noise=args.noise,
        update=args.update_baseline,
    )
    return 0


def cmd_inbox(args: argparse.Namespace, settings: Settings) -> int:
    from bot.nlu_tools import inbox

    url = args.tracker_url or settings.tracker_url
    if not url:
        raise NluToolError(
            "no tracker store given: pass --tracker-url (e.g. "
            "postgresql://USER@HOST:5432/DB) or set BOT_TRACKER_URL"
        )
    print(inbox.inbox(url, threshold=args.threshold, limit=args.limit))
    return 0


def cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    from bot.nlu_tools import add

    added = add.add_example(args.intent, args.text, data_dir=args.data, domain=args.domain)
    for warning in added.warnings:
        print(warning.render())
    print(
        f"added to {added.path.name} line {added.line} ({args.intent}); "
        "run 'make nlu-check' before committing"
    )
    return 0


def _paths(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        type=Path,
        default=PROJECT_ROOT / "data" / "nlu",
        help="NLU training data folder (default: data/nlu)",
    )
    parser.add_argument(
        "--domain",
        type=Path,
        default=PROJECT_ROOT / "domain.yml",
        help="domain file (default: domain.yml)",
    )


def add_commands(nlu: Any, settings: Settings) -> None:
    """Register check, report, inbox and add on the ``bot nlu`` subparser group."""
    check = nlu.add_parser("check", help="fast checks of data/nlu (no training)")
    _paths(check)
    check.add_argument(
        "--held-out",
        dest="held_out",
        type=Path,
        action="append",
        default=None,
        help="an evaluation set that must not appear in training data (repeatable; "
        "default: tests/nlu, nlu_dev, nlu_blind, nlu_fresh)",
    )
    check.add_argument(
        "--no-held-out",
        dest="no_held_out",
        action="store_true",
        help="skip the held-out comparison",
    )
    check.add_argument(
        "--min-examples",
        dest="min_examples",
        type=int,
        default=20,
        help="warn about intents with fewer examples (default: 20)",
    )
    check.set_defaults(func=_one_line_errors(cmd_check))

    rep = nlu.add_parser("report", help="train an NLU-only model, evaluate, compare to baseline")
    _paths(rep)
    rep.add_argument("--config", type=Path, default=PROJECT_ROOT / "config.yml")
    rep.add_argument(
        "--model-dir", dest="model_dir", type=Path, default=PROJECT_ROOT / "models" / "nlu-report"
    )
    rep.add_argument("--out", type=Path, default=PROJECT_ROOT / "reports" / "nlu")
    rep.add_argument(
        "--baseline", type=Path, default=None, help="baseline metrics (default: OUT/baseline.json)"
    )
    rep.add_argument("--held-out", dest="held_out", type=Path, default=None)
    rep.add_argument("--clinc", type=Path, default=None)
    rep.add_argument(
        "--noise",
        type=float,
        default=0.01,
        help="F1 changes this small count as unchanged (default: 0.01)",
    )
    rep.add_argument(
        "--update-baseline",
        dest="update_baseline",
        action="store_true",
        help="then copy metrics.json to the baseline (commit it)",
    )
    rep.set_defaults(func=_one_line_errors(cmd_report))

    box = nlu.add_parser("inbox", help="real messages the assistant was unsure about")
    box.add_argument(
        "--tracker-url",
        dest="tracker_url",
        default=None,
        help="SQL tracker store URL (default: BOT_TRACKER_URL)",
    )
    box.add_argument(
        "--threshold",
        type=float,
        default=0.6,
        help="list messages below this confidence (default: 0.6)",
    )
    box.add_argument("--limit", type=int, default=50, help="show at most this many groups")
    box.set_defaults(func=_one_line_errors(cmd_inbox))

    add = nlu.add_parser("add", help="add one training example to its intent's file")
    _paths(add)
    add.add_argument("--intent", required=True)
    add.add_argument("text", help="the example, in quotes; annotate entities as [text](entity)")
    add.set_defaults(func=_one_line_errors(cmd_add))
