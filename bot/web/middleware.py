"""Request ids, the JSON access log, turning every failure into a JSON error body, and the
headers every JSON answer carries."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

from aiohttp import web
from aiohttp.typedefs import Handler
from sqlalchemy.exc import (
    DataError,
    IntegrityError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.exc import (
    TimeoutError as PoolTimeout,
)
from sqlalchemy.orm.exc import StaleDataError

from bot.errors import Conflict, Invalid, NotFound, StoreError
from bot.web.errors import CODES, ApiError, error_response, from_api_error

access_log = logging.getLogger("bot.web.access")
log = logging.getLogger("bot.web")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
#: Headers an aiohttp HTTP error carries that the client needs to act on.
_KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After")
RETRY_AFTER = "5"
UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout, TimeoutError)


def request_id(given: str | None) -> str:
    """The caller's id when it is a sane token (it ends up in logs), else a fresh one."""
    if given and _REQUEST_ID.match(given):
        return given
    return uuid.uuid4().hex


@web.middleware
async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Outermost: tag the request, echo its id, and write one JSON access-log line."""
    rid = request_id(request.headers.get("X-Request-ID"))
    request["request_id"] = rid
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        response.headers["X-Request-ID"] = rid
        json_headers(response)
        return response
    except asyncio.CancelledError:
        status = 499  # the client went away
        raise
    finally:
        entry = {
            "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "request_id": rid,
            "method": request.method,
            "path": request.path,
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "remote": request.remote,
            # The token's *name*, set by auth; never the token itself, never bodies.
            "token": request.get("token_name"),
        }
        access_log.info(json.dumps(entry, ensure_ascii=True))


def _message(exc: web.HTTPException) -> str:
    if exc.status == 404:
        return "no such endpoint"
    if exc.status == 405:
        return "method not allowed here"
    if exc.status == 413:
        return "request body too large"
    return exc.reason


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error leaves as JSON with the right status; no traceback reaches a client."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        headers = {k: exc.headers[k] for k in _KEPT_HEADERS if k in exc.headers}
        return error_response(
            exc.status, _message(exc), code=CODES.get(exc.status), headers=headers
        )
    except ApiError as exc:
        return from_api_error(exc)
    except NotFound as exc:
        return error_response(404, str(exc))
    except Invalid as exc:
        return error_response(422, str(exc), field=exc.field)
    except Conflict as exc:
        return error_response(409, str(exc))
    except StoreError as exc:
        return error_response(422, str(exc))
    except UNAVAILABLE:
        log.warning("request %s: the store is unavailable or too slow", request["request_id"])
        return error_response(
            503,
            "the store is unavailable right now; try again shortly",
            headers={"Retry-After": RETRY_AFTER},
        )
    except (IntegrityError, StaleDataError):
        return error_response(409, "the change conflicts with another one; reload and retry")
    except DataError:
        return error_response(422, "a value does not fit the store")
    except Exception:
        log.exception("request %s failed", request["request_id"])
        return error_response(
            500, f"internal error; quote request id {request['request_id']} when reporting it"
        )


def json_headers(response: web.StreamResponse) -> None:
    """Nothing is sniffed as another type, and JSON is never cached unless its handler says
    so (/status.json does; API answers hold internal data and must not sit in a cache)."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.content_type == "application/json":
        response.headers.setdefault("Cache-Control", "no-store")
