"""Run synchronous store work off the event loop, under a timeout.

SQLAlchemy here is synchronous; calling it on the loop would stall every request while
one waits for the database. Each call runs in the app's thread pool and is abandoned
after ``store_timeout`` (the client gets 503; the database's own timeouts end the work).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from aiohttp import web
from sqlalchemy.orm import Session

from bot.web import preconditions
from bot.web.errors import ApiError
from bot.web.keys import CONFIG, EXECUTOR, STORE
from bot.web.preconditions import Target

T = TypeVar("T")


async def run(app: web.Application, work: Callable[[], T]) -> T:
    loop = asyncio.get_running_loop()
    future = loop.run_in_executor(app[EXECUTOR], work)
    return await asyncio.wait_for(future, app[CONFIG].store_timeout)


async def read(request: web.Request, work: Callable[[Session, datetime], T]) -> T:
    """A read-only unit of work; ``work`` gets the session and the store's ``now``."""
    store = request.app[STORE]

    def unit() -> T:
        with store.read() as session:
            return work(session, session.info["now"])

    return await run(request.app, unit)


async def write(
    request: web.Request,
    change: Callable[[Session, datetime], Any],
    present: Callable[[Any], T],
    target: Target | None = None,
) -> T:
    """One transaction as the request's token (audited under its name).

    With ``If-Match``, the ``target`` record's version is checked first, in the same
    transaction (412 if it moved on). ``present`` turns the result into JSON after a
    flush, so it sees the audited ``updated_at``/``updated_by``/``version`` and the
    transaction has not yet been committed (any failure, in the change or in presenting
    it, rolls everything back). A version conflict re-runs the whole unit from a fresh read.
    """
    store = request.app[STORE]
    actor = request["token_name"]
    wanted = preconditions.parse_if_match(request.headers.get("If-Match"))

    def unit(session: Session) -> T:
        if wanted is not None:
            if target is None:
                raise ApiError(412, "If-Match is not supported here", field="If-Match")
            preconditions.check(wanted, target, session)
        result = change(session, session.info["now"])
        session.flush()
        return present(result)

    return await run(request.app, lambda: store.change(actor, unit))
