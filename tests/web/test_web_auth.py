"""Tokens and roles: 401 and 403 change nothing; write budgets per token and per address."""

from __future__ import annotations

from aiohttp.test_utils import TestClient
from sqlalchemy import func, select
from web_support import ClientFactory, FakeMonotonic, Tokens, error_of

from bot.db import Store
from bot.models import ApiToken, AuditEntry
from bot.services import channels, tokens
from bot.web.ratelimit import TokenBucket

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


async def test_writes_are_limited_per_address_even_without_a_token(
    make_client: ClientFactory, api_tokens: Tokens, monotonic: FakeMonotonic
) -> None:
    client = await make_client(writes_per_minute_per_ip=2, writes_per_minute_per_token=100)
    url, body = CHANGE
    assert (await client.post(url, json=body)).status == 401
    assert (
        await client.post(url, json=body, headers={"Authorization": "Bearer guess"})
    ).status == 401
    r = await client.post(url, json=body, headers=api_tokens.as_editor)
    assert (await error_of(r, 429))["message"].endswith("slow down")
    assert r.headers["Retry-After"] == "30"
    monotonic.advance(30)
    assert (await client.post(url, json=body, headers=api_tokens.as_editor)).status == 200


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
