"""In-process token buckets: writes per API token and per client address (charged only
once the token is known to be good), and failed sign-ins per client address.

In-process is enough for one server process; behind several, each process has its own
budget (the limit is then per process, which still stops a runaway script).
The clock is injected so tests advance time instead of sleeping.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBucket:
    """``per_minute`` requests per minute, with bursts up to ``burst`` (default: the same
    number)."""

    def __init__(
        self,
        per_minute: int,
        monotonic: Callable[[], float],
        *,
        burst: int | None = None,
        max_keys: int = 10_000,
    ) -> None:
        if per_minute < 1 or (burst is not None and burst < 1):
            raise ValueError("per_minute and burst must be at least 1")
        self.capacity = float(min(per_minute, burst) if burst else per_minute)
        self.rate = per_minute / 60.0
        self.monotonic = monotonic
        self.max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str) -> float:
        """Spend one request for ``key``: 0 if allowed, else seconds until one is allowed."""
        now = self.monotonic()
        bucket = self._buckets.get(key)
        if bucket is None:
            self._prune(now)
            bucket = self._buckets[key] = _Bucket(self.capacity, now)
        else:
            elapsed = max(0.0, now - bucket.updated)
            bucket.tokens = min(self.capacity, bucket.tokens + elapsed * self.rate)
            bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate

    def _prune(self, now: float) -> None:
        """Forget keys whose bucket has refilled (they are as good as new) to bound memory."""
        if len(self._buckets) < self.max_keys:
            return
        full = [
            k
            for k, b in self._buckets.items()
            if b.tokens + (now - b.updated) * self.rate >= self.capacity
        ]
        for k in full:
            del self._buckets[k]
        if len(self._buckets) >= self.max_keys:  # all busy: drop the stalest
            stalest = sorted(self._buckets, key=lambda k: self._buckets[k].updated)
            for k in stalest[: len(stalest) // 2 or 1]:
                del self._buckets[k]


class RateLimiter:
    """Separate budgets, so a stranger's bad guesses never spend an editor's write budget."""

    def __init__(
        self,
        per_token: int,
        per_ip: int,
        monotonic: Callable[[], float],
        failures_per_ip: int = 30,
    ) -> None:
        self.per_token = TokenBucket(per_token, monotonic)
        self.per_ip = TokenBucket(per_ip, monotonic)
        self.failures_per_ip = TokenBucket(failures_per_ip, monotonic)

    def check_ip(self, address: str) -> float:
        return self.per_ip.take(address)

    def check_token(self, name: str) -> float:
        return self.per_token.take(name)

    def check_failure(self, address: str) -> float:
        """Charge one request without a valid token to its address."""
        return self.failures_per_ip.take(address)


class OneAtATime:
    """One turn at a time per key (a client address): a flood from one address queues
    behind itself, so every other member's message waits for at most one of its turns."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, list[int]]] = {}

    @asynccontextmanager
    async def turn(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if users[0] == 0:
                del self._locks[key]  # nobody holds or waits: forget the key
