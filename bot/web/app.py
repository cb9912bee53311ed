"""The application factory: keys, the store's lifetime, middlewares, routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

from aiohttp import web

from bot.db import Store
from bot.web import middleware, openapi, routes
from bot.web.config import WebConfig
from bot.web.keys import CONFIG, EXECUTOR, LAST_DOCUMENTS, LIMITER, SPEC, STORE
from bot.web.ratelimit import RateLimiter

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
    routes.setup(app)
    return app
