"""Bearer-token authentication, roles, and the write budgets.

``Authorization: Bearer <token>``; only the token's SHA-256 is looked up (see
:mod:`bot.services.tokens`). Missing, unknown or revoked tokens get 401 with
``WWW-Authenticate: Bearer``; a valid token without the role gets 403. Neither changes
anything. Writes are charged to the client address *before* authentication (so
guessing tokens costs budget too) and to the token after it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.services import tokens
from bot.web import calls
from bot.web.errors import ApiError
from bot.web.keys import LIMITER

EDITOR = ("editor",)
ANY_ROLE = ("editor", "agent")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_MAX_TOKEN_LENGTH = 256

ViewHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, message, headers={"WWW-Authenticate": 'Bearer realm="bot"'})


def bearer_token(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("send an API token: 'Authorization: Bearer <token>'")
    if len(token) > _MAX_TOKEN_LENGTH:
        raise _unauthorized("the API token is not valid")
    return token


async def authenticate(request: web.Request) -> tokens.TokenInfo:
    token = bearer_token(request)
    info = await calls.read(request, lambda session, _now: tokens.authenticate(session, token))
    if info is None:
        raise _unauthorized("the API token is not valid or has been revoked")
    return info


def _limit(wait: float, what: str) -> None:
    if wait > 0:
        raise ApiError(
            429,
            f"too many changes from this {what}; slow down",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )


def requires(roles: tuple[str, ...]) -> Callable[[ViewHandler], ViewHandler]:
    """Decorate a handler: authenticate, check the role, and charge writes."""

    def decorate(handler: ViewHandler) -> ViewHandler:
        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            writing = request.method in WRITE_METHODS
            limiter = request.app[LIMITER]
            if writing:
                _limit(limiter.check_ip(request.remote or "unknown"), "address")
            info = await authenticate(request)
            request["token_name"] = info.name
            request["token_role"] = info.role
            if info.role not in roles:
                raise ApiError(403, f"this needs the {' or '.join(roles)} role")
            if writing:
                _limit(limiter.check_token(info.name), "token")
            return await handler(request)

        return guarded

    return decorate


editor = requires(EDITOR)
any_role = requires(ANY_ROLE)
