"""Bearer-token authentication, roles, and the write budgets.

``Authorization: Bearer <token>``; only the token's SHA-256 is looked up (see
:mod:`bot.services.tokens`). Missing, unknown or revoked tokens get 401 with
``WWW-Authenticate: Bearer``; a valid token without the role gets 403. Neither changes
anything. Requests without a valid token are charged to a budget of failures per client
address (past it: 429, so guessing stays slow); writes with a valid token are charged to
the address's and the token's write budgets. The two never mix: token-less requests from
an address cannot lock an editor at the same address out.
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
        raise _too_many(wait, f"too many changes from this {what}; slow down")


def _too_many(wait: float, message: str) -> ApiError:
    return ApiError(429, message, headers={"Retry-After": str(max(1, math.ceil(wait)))})


async def _signed_in(request: web.Request) -> tokens.TokenInfo:
    """The request's token, or 401; past the address's budget of failures, 429 instead."""
    try:
        return await authenticate(request)
    except ApiError as exc:
        wait = request.app[LIMITER].check_failure(request.remote or "unknown")
        if wait > 0:
            raise _too_many(wait, "too many requests without a valid token; slow down") from exc
        raise


def requires(roles: tuple[str, ...]) -> Callable[[ViewHandler], ViewHandler]:
    """Decorate a handler: authenticate, charge writes, check the role."""

    def decorate(handler: ViewHandler) -> ViewHandler:
        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            info = await _signed_in(request)
            request["token_name"] = info.name
            request["token_role"] = info.role
            if request.method in WRITE_METHODS:  # attempted writes count, allowed or not
                limiter = request.app[LIMITER]
                _limit(limiter.check_ip(request.remote or "unknown"), "address")
                _limit(limiter.check_token(info.name), "token")
            if info.role not in roles:
                raise ApiError(403, f"this needs the {' or '.join(roles)} role")
            return await handler(request)

        return guarded

    return decorate


editor = requires(EDITOR)
any_role = requires(ANY_ROLE)
