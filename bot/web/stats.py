"""``GET /api/stats``: what people are asking now, for the dashboard (any role).

The numbers come from :mod:`bot.services.stats`; this only finds the tracker store, runs the
read off the event loop and says 503 with Retry-After while the trackers can't be read,
like the rest of the API does for the store.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from bot.config import ConfigError
from bot.db import STORE_TIMEOUT_SECONDS
from bot.services import stats
from bot.web import bodies, calls
from bot.web.auth import any_role
from bot.web.errors import ApiError
from bot.web.keys import CONFIG
from bot.web.middleware import RETRY_AFTER

log = logging.getLogger(__name__)

#: The longest window a caller may ask for (retention keeps 30 days by default).
MAX_HOURS = 24 * 90


@any_role
async def get_stats(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    url = config.tracker_url
    if url is None:  # `make run`: conversations in memory, nothing to count
        return web.json_response({"available": False, "message": stats.NO_TRACKER})
    # 0 stands for "not given": since the current incident began (or the last 24 hours).
    hours = bodies.query_int(request, "hours", 0, 1, MAX_HOURS) or None

    def work(session: Session, now: datetime) -> dict[str, Any]:
        tracker = stats.open_tracker(url, statement_timeout=STORE_TIMEOUT_SECONDS)
        try:
            return stats.as_json(stats.report(tracker, session, now, hours=hours))
        finally:
            tracker.dispose()

    rid = request["request_id"]
    try:
        body = await calls.read(request, work)
    except ConfigError as exc:
        log.error("request %s: BOT_TRACKER_URL is not a usable database URL", rid)
        raise ApiError(500, "the conversation store is misconfigured; see the service log") from exc
    except stats.TrackerUnavailable as exc:
        # The kind of failure only: the full message names the database's address.
        log.warning("request %s: tracker store unreadable (%s)", rid, type(exc.__cause__).__name__)
        raise ApiError(
            503,
            "the conversation store can't be read right now; try again shortly",
            headers={"Retry-After": RETRY_AFTER},
        ) from exc
    return web.json_response(body)
