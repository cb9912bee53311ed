"""Tokens and roles: 401 and 403 change nothing; write budgets per token and per address,
and a separate budget per address for requests without a valid token."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient
from sqlalchemy import func, select
from web_support import ClientFactory, FakeMonotonic, Tokens, error_of

from bot.db import Store
from bot.models import ApiToken, AuditEntry
from bot.services import channels, tokens
from bot.web.ratelimit import OneAtATime, TokenBucket

CHANGE = ("/api/channels/part_d_line/status", {"status": "down", "note": "cut"})


def snapshot(store: Store) -> tuple[int, str]:
    with store.read() as s:
        count = s.scalar(select(func.count()).select_from(AuditEntry)) or 0
        return count, channels.get_channel(s, "part_d_line").status


async def test_requests_without_a_valid_token_get_401_and_change_nothing(
    client: TestClient, api_tokens: Tokens, store: Store
) -> None:
    before = snapshot(store)
    url, body = CHANGE
    for headers in (
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic ZGFuYTpzZWNyZXQ="},
        {"Authorization": "Bearer not-a-real-token"},
        {"Authorization": f"Bearer {api_tokens.revoked}"},
        {"Authorization": f"Bearer {api_tokens.editor}x"},
        {"Authorization": "Bearer " + "a" * 5000},
    ):
        r = await client.post(url, json=body, headers=headers)
        assert (await error_of(r, 401))["code"] == "unauthorized"
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
        r = await client.get("/api/channels", headers=headers)
        await error_of(r, 401)
    assert snapshot(store) == before


async def test_agents_read_but_do_not_write(
    client: TestClient, api_tokens: Tokens, store: Store
) -> None:
    before = snapshot(store)
    url, body = CHANGE
    r = await client.post(url, json=body, headers=api_tokens.as_agent)
    assert (await error_of(r, 403))["code"] == "forbidden"
    for method, path in (
        ("POST", "/api/incidents"),
        ("PATCH", "/api/incidents/nov-2023-phone-internet"),
        ("PUT", "/api/texts/backlog"),
        ("PUT", "/api/rules/prior_auth_waiver"),
        ("PUT", "/api/routes/pharmacy/member"),
        ("PUT", "/api/channels/part_d_line"),
    ):
        r = await client.request(method, path, json={}, headers=api_tokens.as_agent)
        await error_of(r, 403)
    assert snapshot(store) == before
    r = await client.get("/api/channels/part_d_line", headers=api_tokens.as_agent)
    assert r.status == 200


async def test_bearer_scheme_is_case_insensitive(client: TestClient, api_tokens: Tokens) -> None:
    r = await client.get("/api/rules", headers={"Authorization": f"bearer {api_tokens.agent}"})
    assert r.status == 200


async def test_revoking_a_token_locks_it_out_at_once(
    client: TestClient, api_tokens: Tokens, store: Store
) -> None:
    assert (await client.get("/api/rules", headers=api_tokens.as_agent)).status == 200
    with store.begin("admin") as s:
        tokens.revoke(s, "sam-agent", store.clock.now())
    await error_of(await client.get("/api/rules", headers=api_tokens.as_agent), 401)


async def test_only_the_hash_is_stored(api_tokens: Tokens, store: Store) -> None:
    with store.read() as s:
        rows = list(s.scalars(select(ApiToken)))
        stored = " ".join(f"{r.name} {r.role} {r.token_hash}" for r in rows)
    assert api_tokens.editor not in stored and api_tokens.agent not in stored
    assert tokens.digest(api_tokens.editor) in stored


async def test_writes_are_limited_per_token(
    make_client: ClientFactory, api_tokens: Tokens, monotonic: FakeMonotonic, store: Store
) -> None:
    client = await make_client(writes_per_minute_per_token=3)
    url, body = CHANGE
    for _ in range(3):
        assert (await client.post(url, json=body, headers=api_tokens.as_editor)).status == 200
    before = snapshot(store)
    r = await client.post(url, json={"status": "up"}, headers=api_tokens.as_editor)
    assert (await error_of(r, 429))["code"] == "rate_limited"
    assert r.headers["Retry-After"] == "20"  # one request every 20 s at 3 per minute
    assert snapshot(store) == before
    # Reads are not charged.
    assert (await client.get("/api/channels", headers=api_tokens.as_editor)).status == 200
    monotonic.advance(19)
    r = await client.post(url, json=body, headers=api_tokens.as_editor)
    assert r.status == 429 and r.headers["Retry-After"] == "1"
    monotonic.advance(1)
    assert (await client.post(url, json=body, headers=api_tokens.as_editor)).status == 200


async def test_writes_are_limited_per_address_once_the_token_is_good(
    make_client: ClientFactory, api_tokens: Tokens, monotonic: FakeMonotonic, store: Store
) -> None:
    with store.begin("test-admin") as s:
        _, second_editor = tokens.create(s, "lee-editor", "editor", store.clock.now())
    client = await make_client(writes_per_minute_per_ip=2, writes_per_minute_per_token=100)
    url, body = CHANGE
    for headers in ({}, {"Authorization": "Bearer guess"}, {"Authorization": "Bearer x"}):
        assert (await client.post(url, json=body, headers=headers)).status == 401  # not charged
    assert (await client.post(url, json=body, headers=api_tokens.as_editor)).status == 200
    r = await client.post(url, json={"status": "up"}, headers=Tokens.header(second_editor))
    assert r.status == 200
    # Two editors behind one address share its write budget.
    r = await client.post(url, json=body, headers=api_tokens.as_editor)
    assert (await error_of(r, 429))["message"] == "too many changes from this address; slow down"
    assert r.headers["Retry-After"] == "30"
    monotonic.advance(30)
    assert (await client.post(url, json=body, headers=api_tokens.as_editor)).status == 200


async def test_requests_without_a_valid_token_have_their_own_budget_per_address(
    make_client: ClientFactory, api_tokens: Tokens, monotonic: FakeMonotonic, store: Store
) -> None:
    client = await make_client(auth_failures_per_minute_per_ip=5)
    url, body = CHANGE
    guesses = [{}, {"Authorization": "Bearer guess-1"}, {"Authorization": "Bearer guess-2"}]
    for i in range(5):
        r = await client.post(url, json=body, headers=guesses[i % 3])
        assert (await error_of(r, 401))["code"] == "unauthorized"
    before = snapshot(store)
    for method, path in (("POST", url), ("GET", "/api/channels")):  # bad reads are guesses too
        r = await client.request(method, path, json=body, headers={"Authorization": "Bearer g3"})
        error = await error_of(r, 429)
        assert error["message"] == "too many requests without a valid token; slow down"
        assert r.headers["Retry-After"] == "12"  # one every 12 s at 5 per minute
    assert snapshot(store) == before
    # The address is not locked out: a good token still reads and writes from it.
    assert (await client.get("/api/channels", headers=api_tokens.as_agent)).status == 200
    assert (await client.post(url, json=body, headers=api_tokens.as_editor)).status == 200
    monotonic.advance(12)
    await error_of(await client.post(url, json=body), 401)


async def test_token_less_posts_cannot_lock_an_editor_out(
    client: TestClient, api_tokens: Tokens, store: Store
) -> None:
    """Default budgets: a hundred token-less writes from one address (more than its write
    budget of 60 a minute) get 401 then 429, and the editor at that address still writes."""
    url, _ = CHANGE
    statuses = []
    for i in range(100):
        r = await client.post(url, json={"status": "down", "note": f"guess {i}"})
        statuses.append(r.status)
    assert set(statuses) == {401, 429} and statuses[:30] == [401] * 30
    r = await client.post(url, json={"status": "degraded"}, headers=api_tokens.as_editor)
    assert r.status == 200, await r.text()
    with store.read() as s:
        assert channels.get_channel(s, "part_d_line").status == "degraded"


def test_token_bucket_refills_and_bounds_memory() -> None:
    clock = FakeMonotonic()
    bucket = TokenBucket(60, clock, max_keys=4)
    assert [bucket.take("a") for _ in range(60)] == [0.0] * 60
    assert bucket.take("a") == 1.0
    clock.advance(0.5)
    assert bucket.take("a") == 0.5
    for key in "bcdefgh":
        bucket.take(key)
    assert len(bucket._buckets) <= 4


def test_token_bucket_burst_is_smaller_than_the_rate() -> None:
    clock = FakeMonotonic()
    bucket = TokenBucket(120, clock, burst=10)
    assert [bucket.take("a") for _ in range(10)] == [0.0] * 10
    assert bucket.take("a") == 0.5  # then two a second
    clock.advance(0.5)
    assert bucket.take("a") == 0.0


async def test_one_turn_at_a_time_per_address() -> None:
    """A flood from one address runs one message at a time; another address is not held up."""
    gate = OneAtATime()
    running: dict[str, int] = {"flood": 0, "most": 0}
    order: list[str] = []

    async def flood_turn() -> None:
        async with gate.turn("10.0.0.1"):
            running["flood"] += 1
            running["most"] = max(running["most"], running["flood"])
            await asyncio.sleep(0.01)
            running["flood"] -= 1
            order.append("flood")

    async def member_turn() -> None:
        async with gate.turn("10.0.0.2"):
            order.append("member")

    await asyncio.gather(*(flood_turn() for _ in range(5)), member_turn())
    assert running["most"] == 1
    assert order.index("member") <= 1  # not queued behind the flood
    assert gate._locks == {}  # nothing kept once idle
