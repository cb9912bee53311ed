"""CLI commands for the HTTP service: ``bot token create|list|revoke`` and ``bot serve``.

Kept here (registered by :func:`add_commands` from :mod:`bot.cli`) so the CLI module only
wires them in.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from sqlalchemy.exc import InterfaceError, OperationalError

from bot import migrate
from bot.config import Settings
from bot.db import Store
from bot.errors import StoreError
from bot.services import tokens
from bot.web.serialize import iso


def _open_store(settings: Settings) -> Store:
    store = Store.from_settings(settings)
    if not migrate.is_current(store.engine):
        store.dispose()
        raise StoreError("the store is not migrated; run 'bot db upgrade' first")
    return store


def cmd_token_create(args: argparse.Namespace, settings: Settings) -> int:
    store = _open_store(settings)
    try:
        with store.begin(args.actor) as session:
            row, token = tokens.create(session, args.name, args.role, store.clock.now())
            name, role = row.name, row.role
    finally:
        store.dispose()
    print(f"created {role} token {name!r}; it is shown only this once:", file=sys.stderr)
    print(token)
    return 0


def cmd_token_list(args: argparse.Namespace, settings: Settings) -> int:
    store = _open_store(settings)
    try:
        with store.read() as session:
            rows = tokens.list_tokens(session)
            if not rows:
                print("no API tokens")
            for t in rows:
                revoked = f"revoked {iso(t.revoked_at)}" if t.revoked_at else "active"
                print(f"{t.name:<28} {t.role:<7} created {iso(t.created_at)}  {revoked}")
    finally:
        store.dispose()
    return 0


def cmd_token_revoke(args: argparse.Namespace, settings: Settings) -> int:
    store = _open_store(settings)
    try:
        with store.begin(args.actor) as session:
            tokens.revoke(session, args.name, store.clock.now())
    finally:
        store.dispose()
    print(f"revoked token {args.name!r}")
    return 0


def _access_log_to_stdout() -> None:
    """Access-log lines are JSON, one per line, without the CLI's log prefix."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    access = logging.getLogger("bot.web.access")
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    access.propagate = False


def _check_store_before_serving(settings: Settings) -> None:
    """Refuse an unmigrated store (a mistake to fix); start without a reachable one.

    A database that is down is an outage to ride out: the service answers /healthz and the
    pages, says 503 with Retry-After for what needs the store, and serves as soon as the
    database is back. Refusing to start would leave `bot run` restarting it in a loop.
    """
    try:
        _open_store(settings).dispose()
    except (OperationalError, InterfaceError):
        print(
            "bot serve: the store is unreachable; starting anyway (503 with Retry-After "
            "until it is back)",
            file=sys.stderr,
            flush=True,
        )


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from aiohttp import web

    from bot.web.app import init_app
    from bot.web.config import WebConfig

    _check_store_before_serving(settings)
    _access_log_to_stdout()
    app = init_app(WebConfig.from_settings(settings))
    print(f"operations API on http://{args.host}:{args.port}", file=sys.stderr, flush=True)
    web.run_app(app, host=args.host, port=args.port, access_log=None, print=None)
    return 0


def add_commands(sub: Any, settings: Settings) -> None:
    tk = sub.add_parser("token", help="API tokens for the operations HTTP API").add_subparsers(
        dest="token", required=True
    )
    create = tk.add_parser("create", help="issue a token (printed once; only its hash is kept)")
    create.add_argument("name")
    create.add_argument("--role", required=True, choices=list(tokens.ROLES))
    create.set_defaults(func=cmd_token_create)
    tk.add_parser("list", help="token names, roles, created and revoked times").set_defaults(
        func=cmd_token_list
    )
    revoke = tk.add_parser("revoke", help="revoke a token at once")
    revoke.add_argument("name")
    revoke.set_defaults(func=cmd_token_revoke)

    serve = sub.add_parser("serve", help="run the operations HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.set_defaults(func=cmd_serve)
