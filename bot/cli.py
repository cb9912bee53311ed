"""``bot``: the operations staff's command line (store, incidents, channels, routes, servers).

Every command prints a short result or a one-line error and exits non-zero on failure;
no traceback reaches the user. Changes are visible to the running assistant at once.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from bot import i18n, migrate, scenario
from bot.config import PROJECT_ROOT, ConfigError, Settings, disable_phone_home
from bot.db import Store
from bot.errors import StoreError
from bot.formatting import how_to_reach, when
from bot.models import MESSAGE_KINDS, AuditEntry
from bot.nlu_tools.commands import add_commands as add_nlu_commands
from bot.services import channels, incidents, mentions, outbound, routing, translations
from bot.web.commands import add_commands as add_web_commands

Handler = Callable[[argparse.Namespace, Settings], int]


class CliError(Exception):
    """A problem to report in one line (exit 1)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one line, exit 2, no usage dump
        self.exit(2, f"bot: error: {message} (see '{self.prog} --help')\n")


def _store(settings: Settings) -> Store:
    store = Store.from_settings(settings)
    if not migrate.is_current(store.engine):
        store.dispose()
        raise CliError("the store is not migrated; run 'bot db upgrade' first")
    return store


@contextmanager
def _opened(settings: Settings, *, migrated: bool = True) -> Iterator[Store]:
    """The store for one command (refused unless migrated), disposed afterwards."""
    store = _store(settings) if migrated else Store.from_settings(settings)
    try:
        yield store
    finally:
        store.dispose()


def _csv(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


# --- db ---------------------------------------------------------------------------------------


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    with _opened(settings, migrated=False) as store:
        migrate.upgrade(store.engine)
        print(f"store at revision {migrate.current_revision(store.engine)}")
    return 0


def cmd_db_status(args: argparse.Namespace, settings: Settings) -> int:
    with _opened(settings, migrated=False) as store:
        current, head = migrate.current_revision(store.engine), migrate.head_revision()
    print(f"store revision {current or 'none'}, latest {head}")
    return 0 if current == head else 1


def cmd_setup(args: argparse.Namespace, settings: Settings) -> int:
    """Migrate, then load the demo scenario if the store is empty (what `make run` needs)."""
    cmd_db_upgrade(args, settings)
    with _opened(settings) as store:
        with store.begin(args.actor) as session:
            if not scenario.is_empty(session):
                print("store already has data; demo scenario not loaded")
                return 0
            counts = scenario.load(session, scenario.read(args.file), store.clock.now())
        print("loaded demo scenario: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 0


# --- scenario ---------------------------------------------------------------------------------


def cmd_scenario_load(args: argparse.Namespace, settings: Settings) -> int:
    data = scenario.read(args.file)
    with _opened(settings) as store:
        with store.begin(args.actor) as session:
            if args.if_empty and not scenario.is_empty(session):
                print("store already has data; nothing loaded")
                return 0
            counts = scenario.load(session, data, store.clock.now())
    print(f"loaded {args.file}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 0


def cmd_demo_now(args: argparse.Namespace, settings: Settings) -> int:
    moment = scenario.demo_now(args.file)
    print(moment.isoformat() if moment else "")
    return 0


# --- incidents --------------------------------------------------------------------------------


def cmd_incident_list(args: argparse.Namespace, settings: Settings) -> int:
    with _opened(settings) as store:
        with store.read() as session:
            rows = incidents.list_incidents(session, include_resolved=args.all)
            if args.json:
                print(json.dumps([_incident_dict(i) for i in rows], indent=2))
                return 0
            if not rows:
                print("no open incidents" if not args.all else "no incidents")
            for i in rows:
                started = when(i.started_at, store.clock)
                print(f"{i.key:<28} {i.status:<13} since {started}  {i.title}")
    return 0


def _incident_dict(i: Any) -> dict[str, Any]:
    return {
        "key": i.key,
        "title": i.title,
        "status": i.status,
        "started_at": i.started_at.isoformat(),
        "resolved_at": i.resolved_at.isoformat() if i.resolved_at else None,
        "summary": i.summary,
        "channels": [c.key for c in i.channels],
        "data_impact_statement": i.data_impact_statement,
    }


def _incident_fields(args: argparse.Namespace) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in (
        "title",
        "summary",
        "status",
        "started_at",
        "working_note",
        "data_impact_statement",
        "backlog_note",
    ):
        value = getattr(args, name, None)
        if value is not None:
            data[name] = value
    for name in ("channels", "affected_systems"):
        value = _csv(getattr(args, name, None))
        if value is not None:
            data[name] = value
    return data


# Edits go through ``Store.change``: if someone changed the record between this command's
# read and its write, the command reads it again and redoes its change (it never writes
# over the other change, and its audit entry starts from what it replaced). So each one
# prints only after its transaction is done.


def cmd_incident_open(args: argparse.Namespace, settings: Settings) -> int:
    def change(session: Session) -> str:
        now = session.info["now"]
        incident = incidents.open_incident(
            session, {"key": args.key, **_incident_fields(args)}, now
        )
        if args.post:
            incidents.post_update(session, args.key, args.post, now)
        return f"opened incident {incident.key} ({incident.status})"

    with _opened(settings) as store:
        print(store.change(args.actor, change))
    return 0


def cmd_incident_update(args: argparse.Namespace, settings: Settings) -> int:
    fields = _incident_fields(args)
    if not fields and not args.post:
        raise CliError("nothing to change: give --status, --summary, --post or another field")

    def change(session: Session) -> str:
        now = session.info["now"]
        incident = incidents.update_incident(session, args.key, fields, now)
        if args.post:
            incidents.post_update(session, args.key, args.post, now)
        return f"updated incident {incident.key} ({incident.status})"

    with _opened(settings) as store:
        print(store.change(args.actor, change))
    return 0


def cmd_incident_resolve(args: argparse.Namespace, settings: Settings) -> int:
    def change(session: Session) -> str:
        incident = incidents.resolve(session, args.key, session.info["now"], args.note)
        return f"resolved incident {incident.key}"

    with _opened(settings) as store:
        print(store.change(args.actor, change))
    return 0


# --- channels and routes ----------------------------------------------------------------------


def cmd_channel_list(args: argparse.Namespace, settings: Settings) -> int:
    with _opened(settings) as store:
        with store.read() as session:
            for c in channels.list_channels(session):
                note = f"  ({c.status_note})" if c.status_note else ""
                print(f"{c.key:<30} {c.status:<9} {c.audience:<9} {c.contact}{note}")
    return 0


def cmd_channel_set_status(args: argparse.Namespace, settings: Settings) -> int:
    def change(session: Session) -> list[str]:
        channel = channels.set_status(session, args.name, args.status, args.note)
        lines = [f"{channel.key} is now {channel.status}"]
        if channel.status == "down":
            named = mentions.texts_mentioning(session, channel.key)
            if named:
                where = ", ".join(f"{t.source} {t.owner} ({t.field})" for t in named)
                lines.append(f"  named in: {where}; views now mark it {mentions.MARK}")
        held = [m.key for m in outbound.messages_naming(session, channel) if m.held]
        if held:
            lines.append(f"  outgoing messages held (an editor releases them): {', '.join(held)}")
        return lines

    with _opened(settings) as store:
        print("\n".join(store.change(args.actor, change)))
    return 0


def cmd_route_show(args: argparse.Namespace, settings: Settings) -> int:
    with _opened(settings) as store:
        with store.read() as session:
            offer = routing.offer(session, args.topic, args.audience)
            print(f"{offer.topic} for {offer.audience}s:")
            for position, c in enumerate(offer.ordered, start=1):
                mark = "offer" if c.is_up else "SKIP "
                print(f"  {position}. [{mark}] {c.key:<30} {c.status:<9} {how_to_reach(c)}")
            if offer.all_down:
                print(
                    "  every channel for this topic is down: the assistant offers the general route"
                )
    return 0


def cmd_audit(args: argparse.Namespace, settings: Settings) -> int:
    with _opened(settings) as store:
        with store.read() as session:
            query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(args.limit)
            if args.entity:
                query = query.where(AuditEntry.entity == args.entity)
            for e in session.scalars(query):
                changed = _diff(e.before, e.after)
                print(
                    f"{when(e.at, store.clock)}  {e.actor:<14} {e.action:<6} "
                    f"{e.entity}:{e.entity_key}  {changed}"
                )
    return 0


def _diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    if before is None or after is None:
        return ""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return "; ".join(f"{k}: {before.get(k)!r} -> {after.get(k)!r}" for k in keys)


# --- outgoing messages ------------------------------------------------------------------------

#: ``bot message check`` exits with this when the draft names a channel that is not working.
DRAFT_HAS_PROBLEMS = 3
#: `bot translation missing` found prose a Spanish reader would see in English.
UNTRANSLATED = 3


def _message_lines(session: Session, m: Any, *, full: bool = False) -> list[str]:
    state = "HELD" if m.held else ("active" if m.active else "inactive")
    lines = [f"{m.key:<30} {state:<8} {m.kind:<15} {m.name}"]
    if m.held:
        lines.append(f"  {m.held_reason}")
    if full:
        named = outbound.named_channels(session, m)
        lines.append(f"  owner: {m.owner}; schedule: {m.schedule or '-'}")
        lines.append(f"  text: {m.text}")
        for c, found in named:
            lines.append(f"  names {c.key} ({c.status}) as {found!r}")
    return lines


def cmd_message_list(args: argparse.Namespace, settings: Settings) -> int:
    with _opened(settings) as store:
        with store.read() as session:
            rows = outbound.list_messages(session, held=True if args.held else None)
            if not rows:
                print("no held outgoing messages" if args.held else "no outgoing messages")
            for m in rows:
                print("\n".join(_message_lines(session, m)))
    return 0


def cmd_message_show(args: argparse.Namespace, settings: Settings) -> int:
    with _opened(settings) as store:
        with store.read() as session:
            m = outbound.get_message(session, args.key)
            print("\n".join(_message_lines(session, m, full=True)))
    return 0


def _text_argument(args: argparse.Namespace) -> str:
    if (args.text is None) == (args.file is None):
        raise CliError("give the text either as an argument or with --file (not both)")
    if args.file is not None:
        try:
            return Path(args.file).read_text(encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot read {args.file}: {exc.strerror}") from exc
    return str(args.text)


def cmd_message_add(args: argparse.Namespace, settings: Settings) -> int:
    data = {
        "key": args.key,
        "name": args.name,
        "kind": args.kind,
        "owner": args.owner,
        "text": _text_argument(args),
        "schedule": args.schedule,
        "active": not args.inactive,
    }

    def change(session: Session) -> list[str]:
        return _message_lines(session, outbound.upsert_message(session, data), full=True)

    with _opened(settings) as store:
        print("\n".join(store.change(args.actor, change)))
    return 0


def cmd_message_release(args: argparse.Namespace, settings: Settings) -> int:
    def change(session: Session) -> str:
        m = outbound.release(session, args.key, force=args.force)
        return f"released {m.key}; it may go out again"

    with _opened(settings) as store:
        print(store.change(args.actor, change))
    return 0


def cmd_message_check(args: argparse.Namespace, settings: Settings) -> int:
    text = _text_argument(args)
    with _opened(settings) as store:
        with store.read() as session:
            problems = outbound.check(session, text)
    if not problems:
        print("ok: nothing in it points at a channel that is down or degraded")
        return 0
    for p in problems:
        print(f"problem: {p.found!r} points at {p.channel}, which is {p.status}")
    return DRAFT_HAS_PROBLEMS


# --- translations -----------------------------------------------------------------------------


def cmd_translation_list(args: argparse.Namespace, settings: Settings) -> int:
    with _opened(settings) as store:
        with store.read() as session:
            rows = translations.list_translations(session, args.language)
            if not rows:
                print("no translations stored")
            for t in rows:
                state = f"approved by {t.approved_by}" if t.approved_at else "not approved"
                print(f"{t.owner}:{t.owner_key}:{t.field} [{t.language}] ({state}): {t.text}")
    return 0


def cmd_translation_missing(args: argparse.Namespace, settings: Settings) -> int:
    """What a reader in another language sees in English; exit 3 when anything is."""
    with _opened(settings) as store:
        with store.read() as session:
            gaps = translations.gaps(session, args.language)
    for g in gaps:
        where = g.key if g.owner == "code" else f"{g.key}:{g.field}"
        print(f"{g.reason:10} [{g.language}] {g.owner} {where}: {g.english[:90]}")
    if not gaps:
        print("everything is translated")
        return 0
    print(f"{len(gaps)} untranslated")
    return UNTRANSLATED


def cmd_translation_set(args: argparse.Namespace, settings: Settings) -> int:
    text = _text_argument(args)

    def change(session: Session) -> str:
        t = translations.set_translation(
            session, args.owner, args.key, args.field, args.language, text
        )
        todo = " (needs approval before it is shown)" if _needs_approval(t) else ""
        return f"saved {t.key}{todo}"

    with _opened(settings) as store:
        print(store.change(args.actor, change))
    return 0


def _needs_approval(t: Any) -> bool:
    spec = translations.FIELDS[t.owner]
    return t.field in spec.approval and t.approved_at is None


def cmd_translation_approve(args: argparse.Namespace, settings: Settings) -> int:
    def change(session: Session) -> str:
        now = session.info["now"]
        t = translations.approve(
            session, args.owner, args.key, args.field, args.language, actor=args.actor, now=now
        )
        return f"approved {t.key}"

    with _opened(settings) as store:
        print(store.change(args.actor, change))
    return 0


# --- nlp --------------------------------------------------------------------------------------


def cmd_nlp_link(args: argparse.Namespace, settings: Settings) -> int:
    from bot import nlp

    source = nlp.link(blank=args.blank)
    kind = "blank" if args.blank or source == nlp.BLANK else "pretrained"
    print(f"{nlp.LINK.relative_to(nlp.PROJECT_ROOT)} -> {kind} pipeline at {source}")
    return 0


def cmd_nlu_tiers(args: argparse.Namespace, settings: Settings) -> int:
    from bot.nlu_tools import tiers

    if not args.model.is_file():
        raise CliError(f"no trained model at {args.model}: run 'make model'")
    wanted = set(args.tiers.split(",")) if args.tiers else None
    chosen = [s for s in tiers.sources() if wanted is None or s.tier in wanted]
    print(
        f"scoring {sum(len(s.examples) for s in chosen)} messages in {len(chosen)} sets...",
        flush=True,
    )
    scored = tiers.score(args.model, chosen)
    tiers.write(scored, args.out)
    print(tiers.table(scored))
    print(f"reliability diagram and tiers.json written to {args.out}")
    return 0


def cmd_nlu_eval(args: argparse.Namespace, settings: Settings) -> int:
    from bot.nlu_tools import evaluate

    if not args.model.is_file():
        raise CliError(f"no trained model at {args.model}: run 'make model'")
    print(f"evaluating {args.model} (loading the model takes a moment)...", flush=True)
    results = evaluate.evaluate(
        args.model, args.held_out or evaluate.DEFAULT_HELD_OUT, args.clinc or evaluate.DEFAULT_CLINC
    )
    evaluate.write_reports(results, args.out)
    print(evaluate.table(results))
    print(f"reports written to {args.out}")
    floors = {
        "accuracy": args.min_accuracy,
        "macro_f1": args.min_macro_f1,
        "oos_rate": args.min_oos_rate,
    }
    failed = [
        f"{name} {getattr(results, name):.3f} < {floor}"
        for name, floor in floors.items()
        if floor is not None and (getattr(results, name) or 0.0) < floor
    ]
    if failed:
        print("bot: error: below the floor: " + "; ".join(failed), file=sys.stderr)
        return 1
    return 0


def cmd_privacy_purge(args: argparse.Namespace, settings: Settings) -> int:
    from bot import privacy

    url = args.tracker_url or settings.tracker_url
    if not url:
        raise CliError("no tracker store: pass --tracker-url or set BOT_TRACKER_URL")
    days = settings.retention_days if args.days is None else args.days
    if days < 1:
        raise CliError("--days must be at least 1")
    done = privacy.purge(url, days)
    print(
        f"deleted {done.conversations} conversation(s) idle for more than {days} days "
        f"({done.events} events)"
    )
    return 0


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    """What people are asking now, from the tracker store (bot/services/stats.py)."""
    from bot.services import stats

    url = args.tracker_url or settings.tracker_url
    if not url:  # `make run`: conversations in memory; nothing to count, and no error
        print(
            json.dumps({"available": False, "message": stats.NO_TRACKER})
            if args.json
            else stats.NO_TRACKER
        )
        return 0
    tracker = stats.open_tracker(url)
    try:
        with _opened(settings) as store, store.read() as session:
            try:
                report = stats.report(tracker, session, session.info["now"], hours=args.hours)
            except stats.TrackerUnavailable as exc:
                raise CliError(str(exc)) from exc
            shown = stats.as_json(report) if args.json else stats.render(report, store.clock)
    finally:
        tracker.dispose()
    print(json.dumps(shown, indent=2) if args.json else shown)
    return 0


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    """What the assistant would answer a caller, with intent, routing and incidents.

    Parsed by the running assistant (its Rasa URL and API token come from the run-state
    file of ``bot run``), in the same world as the chat: the same store, the same clock.
    Only when no assistant answers is the model loaded here (slow), and stderr says why.
    """
    from bot import lookup

    text = " ".join(args.text).strip()
    if not text:
        raise CliError('say what the caller asked, e.g. bot ask "is the pharmacy line working"')
    try:
        parsed = lookup.parse_remote(text, settings.rasa_url, settings.rasa_token)
    except lookup.ParseUnavailable as exc:
        running = settings.run_state
        why = (
            f"the running assistant (pid {running.pid}) did not parse it: {exc}"
            if running is not None
            else "assistant not running"
        )
        print(f"({why}; loading the model here, this takes a moment)", file=sys.stderr, flush=True)
        parsed = lookup.parse_local(text, args.model)
    with _opened(settings) as store:
        with store.read() as session:
            view = lookup.describe(session, store.clock, parsed, args.audience, args.language)
    print(json.dumps(view, indent=2) if args.json else lookup.render_text(view))
    return 0


# --- servers ----------------------------------------------------------------------------------


def _at_least_one(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return value


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.supervisor import run_all

    return run_all(
        settings,
        model=args.model,
        rasa_port=args.rasa_port,
        actions_port=args.actions_port,
        ops_port=args.ops_port,
        endpoints_file=args.endpoints,
        replicas=args.replicas,
    )


# --- parser -----------------------------------------------------------------------------------


def build_parser(settings: Settings) -> argparse.ArgumentParser:
    parser = _Parser(prog="bot", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--actor",
        default=settings.actor,
        help="who is making the change (recorded in the audit trail)",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    db = sub.add_parser("db", help="schema migrations").add_subparsers(dest="db", required=True)
    db.add_parser("upgrade", help="create or migrate the store").set_defaults(func=cmd_db_upgrade)
    db.add_parser("status", help="is the store at the latest revision?").set_defaults(
        func=cmd_db_status
    )

    setup = sub.add_parser("setup", help="migrate and load the demo scenario into an empty store")
    setup.add_argument("--file", type=Path, default=scenario.DEMO_SCENARIO)
    setup.set_defaults(func=cmd_setup)

    sc = sub.add_parser("scenario", help="scenario files").add_subparsers(
        dest="scenario", required=True
    )
    load = sc.add_parser("load", help="load (upsert) a scenario file")
    load.add_argument("file", type=Path)
    load.add_argument("--if-empty", action="store_true", help="only if the store has no data")
    load.set_defaults(func=cmd_scenario_load)
    dn = sc.add_parser("demo-now", help="print the scenario's demo time")
    dn.add_argument("file", type=Path, nargs="?", default=scenario.DEMO_SCENARIO)
    dn.set_defaults(func=cmd_demo_now)

    inc = sub.add_parser("incident", help="declare and update incidents").add_subparsers(
        dest="incident", required=True
    )
    ls = inc.add_parser("list", help="open incidents (--all for resolved too)")
    ls.add_argument("--all", action="store_true")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_incident_list)
    for name, func in (("open", cmd_incident_open), ("update", cmd_incident_update)):
        p = inc.add_parser(name, help=f"{name} an incident")
        p.add_argument("key")
        p.add_argument("--title", required=name == "open")
        p.add_argument("--summary", help="public summary")
        p.add_argument("--status", help="investigating, identified, monitoring or resolved")
        p.add_argument("--started-at", dest="started_at", help="ISO time (default: now)")
        p.add_argument("--working-note", dest="working_note", help="what still works")
        p.add_argument(
            "--data-impact",
            dest="data_impact_statement",
            help="approved data-impact statement (quoted verbatim)",
        )
        p.add_argument("--backlog-note", dest="backlog_note")
        p.add_argument("--channels", help="comma-separated affected channel keys")
        p.add_argument("--systems", dest="affected_systems", help="comma-separated systems")
        p.add_argument("--post", help="also post this public timeline update")
        p.set_defaults(func=func)
    res = inc.add_parser("resolve", help="resolve an incident")
    res.add_argument("key")
    res.add_argument("--note", help="public closing update")
    res.set_defaults(func=cmd_incident_resolve)

    ch = sub.add_parser("channel", help="ways to reach the plan").add_subparsers(
        dest="channel", required=True
    )
    ch.add_parser("list", help="all channels and their status").set_defaults(func=cmd_channel_list)
    ss = ch.add_parser("set-status", help="mark a channel up, degraded or down")
    ss.add_argument("name")
    ss.add_argument("status", choices=["up", "degraded", "down"])
    ss.add_argument("--note", help="why (shown to members)")
    ss.set_defaults(func=cmd_channel_set_status)

    rt = sub.add_parser("route", help="routing per topic").add_subparsers(
        dest="route", required=True
    )
    show = rt.add_parser("show", help="what the assistant offers for a topic")
    show.add_argument("topic")
    show.add_argument("--audience", default="member", choices=["member", "provider"])
    show.set_defaults(func=cmd_route_show)

    msg = sub.add_parser(
        "message", help="outgoing messages: held while they name a channel that is down"
    ).add_subparsers(dest="message", required=True)
    ml = msg.add_parser("list", help="outgoing messages, held ones with the reason")
    ml.add_argument("--held", action="store_true", help="only the held ones")
    ml.set_defaults(func=cmd_message_list)
    ms = msg.add_parser("show", help="one message, its text and the channels it names")
    ms.add_argument("key")
    ms.set_defaults(func=cmd_message_show)
    ma = msg.add_parser(
        "add", help="register or replace a message (held if it names a dead channel)"
    )
    ma.add_argument("key")
    ma.add_argument("--name", required=True)
    ma.add_argument("--kind", required=True, choices=list(MESSAGE_KINDS))
    ma.add_argument("--owner", required=True, help="who is responsible for it")
    ma.add_argument("--text")
    ma.add_argument("--file", help="read the text from a file")
    ma.add_argument("--schedule", help="when it goes out, in words")
    ma.add_argument("--inactive", action="store_true", help="registered but not being sent")
    ma.set_defaults(func=cmd_message_add)
    mr = msg.add_parser("release", help="let a held message go out again (editors)")
    mr.add_argument("key")
    mr.add_argument(
        "--force", action="store_true", help="even though it still names a channel that is down"
    )
    mr.set_defaults(func=cmd_message_release)
    mc = msg.add_parser(
        "check", help=f"check a draft; exit {DRAFT_HAS_PROBLEMS} if it names a dead channel"
    )
    mc.add_argument("text", nargs="?")
    mc.add_argument("--file", help="read the draft from a file")
    mc.set_defaults(func=cmd_message_check)

    tl = sub.add_parser(
        "translation", help="stored prose in Spanish: edit, approve, list what is missing"
    ).add_subparsers(dest="translation", required=True)
    owners = list(translations.FIELDS)
    languages = list(translations.OTHER_LANGUAGES)
    tll = tl.add_parser("list", help="stored translations")
    tll.add_argument("--language", choices=languages)
    tll.set_defaults(func=cmd_translation_list)
    tlm = tl.add_parser(
        "missing", help=f"what is shown in English for lack of a translation (exit {UNTRANSLATED})"
    )
    tlm.add_argument("--language", choices=languages)
    tlm.set_defaults(func=cmd_translation_missing)
    tls = tl.add_parser("set", help="save the translation of one field of one row")
    tls.add_argument("owner", choices=owners)
    tls.add_argument("key", help="the row: a channel, incident, rule or text key")
    tls.add_argument("field")
    tls.add_argument("text", nargs="?")
    tls.add_argument("--file", help="read the text from a file")
    tls.add_argument("--language", default=languages[0], choices=languages)
    tls.set_defaults(func=cmd_translation_set)
    tla = tl.add_parser("approve", help="approve a translation as it stands (editors)")
    tla.add_argument("owner", choices=owners)
    tla.add_argument("key")
    tla.add_argument("field")
    tla.add_argument("--language", default=languages[0], choices=languages)
    tla.set_defaults(func=cmd_translation_approve)

    au = sub.add_parser("audit", help="recent changes: who, when, what")
    au.add_argument("--limit", type=int, default=20)
    au.add_argument("--entity", help="channels, incidents, routes, date_rules, answer_texts …")
    au.set_defaults(func=cmd_audit)

    nl = sub.add_parser(
        "nlu", help="language understanding: pipeline link, evaluation"
    ).add_subparsers(dest="nlu", required=True)
    lk = nl.add_parser("link", help="link var/spacy-en to the English pipeline")
    lk.add_argument("--blank", action="store_true", help="use a blank pipeline (no model)")
    lk.set_defaults(func=cmd_nlp_link)

    ev = nl.add_parser("eval", help="measure intent accuracy on held-out and CLINC data")
    ev.add_argument("--model", type=Path, default=Path("models/assistant.tar.gz"))
    ev.add_argument("--held-out", dest="held_out", type=Path, default=None)
    ev.add_argument("--clinc", type=Path, default=None)
    ev.add_argument("--out", type=Path, default=Path("reports/nlu"))
    ev.add_argument("--min-accuracy", dest="min_accuracy", type=float)
    ev.add_argument("--min-macro-f1", dest="min_macro_f1", type=float)
    ev.add_argument("--min-oos-rate", dest="min_oos_rate", type=float)
    ev.set_defaults(func=cmd_nlu_eval)
    tr = nl.add_parser("tiers", help="score development, frozen blind and fresh blind sets")
    tr.add_argument("--model", type=Path, default=Path("models/assistant.tar.gz"))
    tr.add_argument("--out", type=Path, default=Path("reports/nlu"))
    tr.add_argument("--tiers", help="comma-separated tiers to score (default: all)")
    tr.set_defaults(func=cmd_nlu_tiers)
    add_nlu_commands(nl, settings)  # check, report, inbox, add (trainer tooling)

    privacy = sub.add_parser("privacy", help="retention of conversations").add_subparsers(
        dest="privacy", required=True
    )
    purge = privacy.add_parser(
        "purge", help="delete conversations idle longer than the retention (BOT_RETENTION_DAYS)"
    )
    purge.add_argument("--tracker-url", dest="tracker_url", help="default: BOT_TRACKER_URL")
    purge.add_argument("--days", type=int, help="default: BOT_RETENTION_DAYS (30)")
    purge.set_defaults(func=cmd_privacy_purge)

    st = sub.add_parser(
        "stats", help="what people are asking now: topics, fallbacks, channels, reply time"
    )
    st.add_argument(
        "--tracker-url",
        dest="tracker_url",
        help="default: BOT_TRACKER_URL, else the BOT_TRACKER_* of endpoints.production.yml",
    )
    st.add_argument(
        "--hours",
        type=_at_least_one,
        help="the last N hours instead of since the current incident began (none: 24)",
    )
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=cmd_stats)

    ask = sub.add_parser("ask", help="agent lookup: what would the assistant answer?")
    ask.add_argument("text", nargs="+", help="what the caller said")
    ask.add_argument("--audience", default="member", choices=["member", "provider"])
    ask.add_argument(
        "--language",
        choices=list(i18n.LANGUAGES),
        help="the caller's (default: read from the words)",
    )
    ask.add_argument(
        "--model",
        type=Path,
        default=PROJECT_ROOT / "models" / "assistant.tar.gz",
        help="the model to load when no assistant is running",
    )
    ask.add_argument("--json", action="store_true")
    ask.set_defaults(func=cmd_ask)

    run = sub.add_parser("run", help="start the action server and the Rasa server")
    run.add_argument("--model", type=Path, default=Path("models"))
    run.add_argument("--rasa-port", type=int, default=5005)
    run.add_argument("--actions-port", type=int, default=5055)
    run.add_argument("--ops-port", type=int, default=8080)
    run.add_argument(
        "--endpoints",
        type=Path,
        default=PROJECT_ROOT / "endpoints.yml",
        help="Rasa endpoints (endpoints.production.yml: PostgreSQL trackers, Redis locks)",
    )
    run.add_argument(
        "--replicas",
        type=_at_least_one,
        default=1,
        help="Rasa servers behind HAProxy on --rasa-port (needs the production endpoints)",
    )
    run.set_defaults(func=cmd_run)
    add_web_commands(sub, settings)  # token create|list|revoke, serve (HTTP API)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    disable_phone_home()
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"bot: error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    args = build_parser(settings).parse_args(argv)
    handler: Handler = args.func
    try:
        return handler(args, settings)
    except (StoreError, CliError, ConfigError) as exc:
        print(f"bot: error: {exc}", file=sys.stderr)
        return 1
    except OperationalError:
        print(
            "bot: error: the store is unreachable (check BOT_DATABASE_URL and that the "
            "database is running)",
            file=sys.stderr,
        )
        return 1
    except SQLAlchemyError as exc:
        print(f"bot: error: the store refused the change ({type(exc).__name__})", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the last line of defence: one line, never a traceback
        logging.getLogger("bot.cli").debug("unexpected error", exc_info=True)
        print(
            f"bot: error: unexpected {type(exc).__name__}; rerun with BOT_LOG_LEVEL=DEBUG "
            "for details",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
