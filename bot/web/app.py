"""The application factory: keys, the store's lifetime, middlewares, routes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot import snapshot
from bot.db import Store
from bot.errors import StoreError
from bot.services import channels as channel_service
from bot.web import middleware, openapi, routes
from bot.web.config import WebConfig
from bot.web.keys import CONFIG, EXECUTOR, LAST_DOCUMENTS, LIMITER, SPEC, STORE
from bot.web.ratelimit import RateLimiter

log = logging.getLogger(__name__)

__all__ = ["CONFIG", "EXECUTOR", "LAST_DOCUMENTS", "LIMITER", "SPEC", "STORE", "init_app"]


async def store_context(app: web.Application) -> AsyncIterator[None]:
    """Open the store (and its worker threads) on startup; release them on cleanup.

    Creating the engine does not connect, so the service starts even while the database
    is down: /healthz and the pages answer, /readyz, /status.json and the API say 503 with
    Retry-After until it is back, and the first request after that is served (each
    connection is checked before use), with no restart.
    """
    config = app[CONFIG]
    store = Store.create(config.database_url, config.clock)
    executor = ThreadPoolExecutor(max_workers=config.store_threads, thread_name_prefix="store")
    app[STORE] = store
    app[EXECUTOR] = executor
    try:
        yield
    finally:
        # Don't wait for a call stuck on a dead database: its timeout ends it.
        executor.shutdown(wait=False, cancel_futures=True)
        store.dispose()


def _keep_routing(store: Store, keeper: snapshot.Keeper) -> None:
    with store.read() as session:
        rows = channel_service.list_channels(session)
        keeper.keep(snapshot.of_channels(rows, store.clock.now()))


async def routing_snapshot_context(app: web.Application) -> AsyncIterator[None]:
    """Keep the chat's last known routing current while nobody chats.

    The action server writes it after each answer it reads from the store; a channel staff
    set down after the last answer would otherwise be missing from the fallback given when
    the action server dies. A store that can't be read leaves the last snapshot alone.
    """
    config = app[CONFIG]
    if config.snapshot_path is None:
        yield
        return
    keeper = snapshot.Keeper(config.snapshot_path)

    async def refresh_forever() -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                await loop.run_in_executor(app[EXECUTOR], _keep_routing, app[STORE], keeper)
            except (SQLAlchemyError, StoreError, OSError) as exc:
                log.warning("last known routing not refreshed: %s", type(exc).__name__)
            await asyncio.sleep(config.snapshot_refresh_seconds)

    task = asyncio.create_task(refresh_forever())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


def init_app(config: WebConfig) -> web.Application:
    app = web.Application(
        middlewares=[middleware.observe, middleware.errors],
        client_max_size=config.client_max_size,
    )
    app[CONFIG] = config
    app[LIMITER] = RateLimiter(
        config.writes_per_minute_per_token,
        config.writes_per_minute_per_ip,
        config.monotonic,
        failures_per_ip=config.auth_failures_per_minute_per_ip,
    )
    app[SPEC] = openapi.load()
    app[LAST_DOCUMENTS] = {}
    app.cleanup_ctx.append(store_context)
    app.cleanup_ctx.append(routing_snapshot_context)
    routes.setup(app)
    return app
