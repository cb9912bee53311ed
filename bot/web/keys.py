"""Typed application keys (``web.AppKey``), shared by the app factory and the handlers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiohttp import web

from bot.db import Store
from bot.web.config import WebConfig
from bot.web.ratelimit import RateLimiter
from bot.web.stale import LastStatus

CONFIG = web.AppKey("config", WebConfig)
STORE = web.AppKey("store", Store)
EXECUTOR = web.AppKey("executor", ThreadPoolExecutor)
LIMITER = web.AppKey("limiter", RateLimiter)
#: The last document each public view read from the store, by view (/status.json,
#: /api/v2/summary.json, /history.atom): served, marked stale, while the store is down.
LAST_DOCUMENTS = web.AppKey("last_documents", dict[str, LastStatus])
#: The OpenAPI document: ``{"text": <yaml>, "data": <parsed>}``.
SPEC = web.AppKey("spec", dict[str, Any])
