"""Edits that can't clobber each other: versions, ETags, If-Match and 412, and concurrent
editors (API and CLI) whose audit trail stays one clean chain per record."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select
from web_support import ClientFactory, Tokens, error_of

from bot import cli
from bot.db import Store
from bot.models import AuditEntry
from bot.services import tokens
from bot.web.serialize import audit_entry

OUTAGE = "nov-2023-phone-internet"
CHANNEL = "part_d_line"
STATUS_URL = f"/api/channels/{CHANNEL}/status"
NO_LIMITS = {"writes_per_minute_per_token": 1_000_000, "writes_per_minute_per_ip": 1_000_000}
POSTGRES_ONLY = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def audit_count(store: Store) -> int:
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry)) or 0


def audit_trail(store: Store, entity: str, key: str) -> list[dict[str, Any]]:
    """One record's audit entries, oldest first (as the API shows them)."""
    with store.read() as s:
        query = (
            select(AuditEntry)
            .where(AuditEntry.entity == entity, AuditEntry.entity_key == key)
            .order_by(AuditEntry.id)
        )
        return [audit_entry(e) for e in s.scalars(query)]


def assert_clean_chain(trail: list[dict[str, Any]]) -> None:
    """Each change starts from exactly what the previous one left, one version further
    (a new row's id is not known when its creation is recorded: only that may differ)."""
    assert trail[0]["action"] == "create" and trail[0]["after"]["version"] == 1
    created = {**trail[0]["after"], "id": trail[1]["before"]["id"]} if trail[1:] else {}
    for previous, entry in zip([{"after": created}, *trail[1:]], trail[1:], strict=False):
        assert entry["action"] == "update"
        assert entry["before"] == previous["after"], entry["id"]
        assert entry["after"]["version"] == entry["before"]["version"] + 1, entry["id"]


def second_editor(store: Store) -> dict[str, str]:
    with store.begin("test-admin") as s:
        _, token = tokens.create(s, "lee-editor", "editor", store.clock.now())
    return Tokens.header(token)


# --- versions and ETags -----------------------------------------------------------------------


async def test_records_carry_their_version_in_json_and_etag(
    client: TestClient, api_tokens: Tokens
) -> None:
    r = await client.get(f"/api/channels/{CHANNEL}", headers=api_tokens.as_agent)
    assert (r.headers["ETag"], (await r.json())["version"]) == ('W/"1"', 1)
    r = await client.post(STATUS_URL, json={"status": "down"}, headers=api_tokens.as_editor)
    assert (r.headers["ETag"], (await r.json())["version"]) == ('W/"2"', 2)
    r = await client.post(STATUS_URL, json={"status": "down"}, headers=api_tokens.as_editor)
    assert r.headers["ETag"] == 'W/"2"'  # nothing changed, so no new version
    r = await client.get(f"/api/channels/{CHANNEL}", headers=api_tokens.as_agent)
    assert (r.headers["ETag"], (await r.json())["version"]) == ('W/"2"', 2)

    r = await client.get(f"/api/incidents/{OUTAGE}", headers=api_tokens.as_agent)
    incident = await r.json()
    assert r.headers["ETag"] == f'W/"{incident["version"]}"'
    assert {u["version"] for u in incident["updates"]} == {1}
    assert incident["freshness"][0]["version"] == 1
    r = await client.get("/api/routes/pharmacy?audience=member", headers=api_tokens.as_agent)
    assert (r.headers["ETag"], (await r.json())["version"]) == ('W/"1"', 1)
    r = await client.get("/api/routes/claims?audience=provider", headers=api_tokens.as_agent)
    route = await r.json()
    if route["fallback"]:  # no list of its own: nothing for If-Match to name
        assert route["version"] is None and "ETag" not in r.headers
    for listing in ("/api/rules", "/api/texts", "/api/channels", "/api/incidents"):
        rows = await (await client.get(listing, headers=api_tokens.as_agent)).json()
        assert rows and all(isinstance(row["version"], int) for row in rows), listing


def _channel_body(n: int) -> dict[str, Any]:
    return {"name": "Medicare Part D line", "kind": "phone", "contact": "(888) 620-1746",
            "hours": f"Mon-Fri, shift {n}"}  # fmt: skip


#: Writes that change one record, with a body that changes it again each time.
WRITES: list[tuple[str, str, Callable[[int], dict[str, Any]]]] = [
    ("POST", STATUS_URL, lambda n: {"status": "degraded", "note": f"note {n}"}),
    ("PUT", f"/api/channels/{CHANNEL}", _channel_body),
    ("PATCH", f"/api/incidents/{OUTAGE}", lambda n: {"internal_note": f"ticket {n}"}),
    (
        "PUT",
        f"/api/incidents/{OUTAGE}/freshness/member_resource_center_claims",
        lambda n: {"label": f"Claims, batch {n}", "current_through": "2023-11-27"},
    ),
    (
        "PUT",
        "/api/routes/pharmacy/member",
        lambda n: {"channels": ["vermont_blue_rx", "member_resource_center"][: 1 + n % 2]},
    ),
    ("PUT", "/api/rules/prior_auth_waiver", lambda n: {"title": f"Prior auth waiver {n}"}),
    ("PUT", "/api/texts/backlog", lambda n: {"text": f"Waits are long ({n})."}),
]


@pytest.mark.parametrize(("method", "url", "body"), WRITES, ids=[w[1] for w in WRITES])
async def test_a_stale_if_match_gets_412_and_changes_nothing(
    client: TestClient,
    api_tokens: Tokens,
    store: Store,
    method: str,
    url: str,
    body: Callable[[int], dict[str, Any]],
) -> None:
    editor = api_tokens.as_editor
    r = await client.request(method, url, json=body(1), headers=editor)
    assert r.status == 200, await r.text()
    read = r.headers["ETag"]  # what this editor saw
    version = (await r.json())["version"]
    assert read == f'W/"{version}"'
    r = await client.request(method, url, json=body(2), headers=editor)  # someone else's edit
    current = (await r.json())["version"]
    assert current == version + 1

    before = audit_count(store)
    r = await client.request(method, url, json=body(3), headers={**editor, "If-Match": read})
    error = await error_of(r, 412)
    assert (error["code"], error["field"]) == ("precondition_failed", "If-Match")
    assert f"is at version {current}," in error["message"]
    assert r.headers["ETag"] == f'W/"{current}"'
    assert r.headers["Cache-Control"] == "no-store"
    assert audit_count(store) == before

    # Accepted forms: the ETag as sent, the strong form, a list naming it, and "*".
    forms = [
        lambda v: f'W/"{v}"',
        lambda v: f'"{v}"',
        lambda v: f'W/"0", W/"{v + 1}"',  # names neither: 412
        lambda v: f'W/"{v - 1}" , W/"{v}"',
        lambda v: "*",
    ]
    for n, form in enumerate(forms, start=4):
        tag = form(current)
        r = await client.request(method, url, json=body(n), headers={**editor, "If-Match": tag})
        if tag.startswith('W/"0"'):
            await error_of(r, 412)
            continue
        assert r.status == 200, (tag, await r.text())
        assert r.headers["ETag"] == f'W/"{current + 1}"'
        current += 1


async def test_if_match_guards_resolving_and_posting_updates_too(
    client: TestClient, api_tokens: Tokens
) -> None:
    editor = api_tokens.as_editor
    r = await client.get(f"/api/incidents/{OUTAGE}", headers=editor)
    read = r.headers["ETag"]
    r = await client.patch(
        f"/api/incidents/{OUTAGE}", json={"status": "monitoring"}, headers=editor
    )
    fresh = r.headers["ETag"]
    assert fresh != read
    for path, body in (("/updates", {"body": "Work continues."}), ("/resolve", {})):
        url = f"/api/incidents/{OUTAGE}{path}"
        r = await client.post(url, json=body, headers={**editor, "If-Match": read})
        await error_of(r, 412)
        r = await client.post(url, json=body, headers={**editor, "If-Match": fresh})
        assert r.status in (200, 201), await r.text()
        # A timeline entry has its own version; the incident's own fields did not change.
        fresh = fresh if path == "/updates" else r.headers["ETag"]
    r = await client.get(f"/api/incidents/{OUTAGE}", headers=editor)
    assert (await r.json())["status"] == "resolved"


async def test_if_match_on_something_that_does_not_exist_is_412(
    client: TestClient, api_tokens: Tokens, store: Store
) -> None:
    editor = api_tokens.as_editor
    before = audit_count(store)
    for value in ('W/"1"', "*", "not-a-tag"):
        r = await client.put(
            "/api/texts/new_wording", json={"text": "Hello."}, headers={**editor, "If-Match": value}
        )
        assert "does not exist" in (await error_of(r, 412))["message"]
    r = await client.post(
        "/api/incidents", json={"key": "x-1", "title": "X"}, headers={**editor, "If-Match": "*"}
    )
    await error_of(r, 412)
    assert audit_count(store) == before
    r = await client.put("/api/texts/new_wording", json={"text": "Hello."}, headers=editor)
    assert (r.status, r.headers["ETag"]) == (200, 'W/"1"')
    r = await client.put(
        "/api/channels/part_d_line",
        json=_channel_body(9),
        headers={**editor, "If-Match": "W/1, garbage"},
    )
    await error_of(r, 412)


# --- concurrent editors -----------------------------------------------------------------------


async def _edit_concurrently(
    client: TestClient, editors: list[dict[str, str]], tasks: int, changes: int
) -> list[int]:
    """``editors`` x ``tasks`` coroutines, each making ``changes`` distinct status changes."""

    async def task(who: int, editor: dict[str, str], number: int) -> list[int]:
        versions = []
        for i in range(changes):
            body = {"status": ("up", "degraded", "down")[i % 3], "note": f"e{who} t{number} c{i}"}
            r = await client.post(STATUS_URL, json=body, headers=editor)
            assert r.status == 200, await r.text()
            versions.append((await r.json())["version"])
        return versions

    done = await asyncio.gather(
        *(task(w, e, t) for w, e in enumerate(editors) for t in range(tasks))
    )
    return [v for versions in done for v in versions]


def _cli_edits(
    database_url: str, count: int, monkeypatch: pytest.MonkeyPatch
) -> Callable[[], float]:
    """``count`` operator edits of the channel through the real CLI (in-process), timed."""
    monkeypatch.setenv("BOT_DATABASE_URL", database_url)
    monkeypatch.setenv("BOT_NOW", "2023-11-28T10:00:00-05:00")
    monkeypatch.setenv("BOT_ACTOR", "cli-operator")

    def edit_all() -> float:
        started = time.perf_counter()
        for i in range(count):
            status = ("down", "up")[i % 2]
            note = f"cli c{i}"
            assert cli.main(["channel", "set-status", CHANNEL, status, "--note", note]) == 0
        return time.perf_counter() - started

    return edit_all


@POSTGRES_ONLY
async def test_two_editors_and_the_cli_leave_one_clean_chain_on_postgresql(
    make_client: ClientFactory,
    api_tokens: Tokens,
    store: Store,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """2 editors x 4 tasks x 50 changes to one channel over HTTP, and 20 CLI edits of it
    at the same time: no change is lost, every audit entry's "before" is the previous
    entry's "after", and writers wait for the row lock instead of failing."""
    caplog.set_level(logging.INFO, logger="bot.db")
    client = await make_client(**NO_LIMITS)
    editors = [api_tokens.as_editor, second_editor(store)]
    cli_edits = _cli_edits(database_url, 20, monkeypatch)
    started = time.perf_counter()
    api_versions, cli_seconds = await asyncio.gather(
        _edit_concurrently(client, editors, tasks=4, changes=50), asyncio.to_thread(cli_edits)
    )
    elapsed = time.perf_counter() - started

    trail = audit_trail(store, "channels", CHANNEL)
    assert_clean_chain(trail)
    updates = trail[1:]
    assert len(updates) == 400 + 20
    assert len(set(api_versions)) == 400  # each API write made its own version
    notes = [e["after"]["status_note"] for e in updates]
    assert len(set(notes)) == len(notes) == 420  # nothing lost, nothing applied twice
    assert {e["actor"] for e in updates} == {"dana-editor", "lee-editor", "cli-operator"}
    r = await client.get(f"/api/channels/{CHANNEL}", headers=api_tokens.as_agent)
    final = await r.json()
    assert final["version"] == 421 and final["status_note"] == trail[-1]["after"]["status_note"]
    retries = [r for r in caplog.records if "lost a race" in r.getMessage()]
    assert retries == []  # FOR UPDATE serializes them; the version check never had to
    print(
        f"\n[measure] postgresql: 400 API + 20 CLI writes to one row in {elapsed:.2f} s "
        f"({420 / elapsed:.0f} writes/s; CLI alone {cli_seconds:.2f} s), 0 retries"
    )


async def test_concurrent_editors_leave_one_clean_chain(
    make_client: ClientFactory, api_tokens: Tokens, store: Store
) -> None:
    """The same on each backend, smaller (SQLite writers queue on BEGIN IMMEDIATE)."""
    client = await make_client(**NO_LIMITS)
    editors = [api_tokens.as_editor, second_editor(store)]
    versions = await _edit_concurrently(client, editors, tasks=2, changes=10)
    assert sorted(versions) == list(range(2, 42))
    trail = audit_trail(store, "channels", CHANNEL)
    assert_clean_chain(trail)
    assert len(trail) == 41


async def test_concurrent_if_match_writers_each_version_is_won_once(
    make_client: ClientFactory, api_tokens: Tokens, store: Store
) -> None:
    """Read-then-write with If-Match from 8 tasks: a version is replaced by one writer
    only; the others get 412 and nothing of theirs is written."""
    client = await make_client(**NO_LIMITS)
    editors = [api_tokens.as_editor, second_editor(store)]
    outcomes: list[tuple[int, int]] = []

    async def task(who: int, editor: dict[str, str], number: int) -> None:
        for i in range(15):
            r = await client.get(f"/api/channels/{CHANNEL}", headers=editor)
            read = r.headers["ETag"]
            body = {"status": "degraded", "note": f"e{who} t{number} c{i}"}
            r = await client.post(STATUS_URL, json=body, headers={**editor, "If-Match": read})
            assert r.status in (200, 412), await r.text()
            outcomes.append((r.status, int(read.strip('W/"'))))

    await asyncio.gather(*(task(w, e, t) for w, e in enumerate(editors) for t in range(4)))
    won = [seen for status, seen in outcomes if status == 200]
    lost = [seen for status, seen in outcomes if status == 412]
    assert len(won) == len(set(won))  # no version was replaced twice
    assert lost, "8 tasks racing for one row never conflicted"
    trail = audit_trail(store, "channels", CHANNEL)
    assert_clean_chain(trail)
    assert sorted(e["before"]["version"] for e in trail[1:]) == sorted(won)


async def test_concurrent_edits_of_an_incident_and_its_timeline(
    make_client: ClientFactory, api_tokens: Tokens, store: Store
) -> None:
    client = await make_client(**NO_LIMITS)
    editor = api_tokens.as_editor
    url = f"/api/incidents/{OUTAGE}"
    already = len(audit_trail(store, "incidents", OUTAGE))

    async def patches(n: int) -> None:
        for i in range(8):
            r = await client.patch(url, json={"internal_note": f"p{n}-{i}"}, headers=editor)
            assert r.status == 200, await r.text()

    async def posts(n: int) -> None:
        for i in range(8):
            r = await client.post(f"{url}/updates", json={"body": f"u{n}-{i}"}, headers=editor)
            assert r.status == 201, await r.text()

    await asyncio.gather(patches(1), patches(2), posts(1), posts(2))
    trail = audit_trail(store, "incidents", OUTAGE)
    assert_clean_chain(trail)
    assert len(trail) == already + 16
    r = await client.get(url, headers=editor)
    assert len((await r.json())["updates"]) == 2 + 16


# --- headers on JSON ----------------------------------------------------------------------------


async def test_json_answers_are_not_sniffed_or_cached(
    client: TestClient, api_tokens: Tokens
) -> None:
    for method, path, headers in (
        ("GET", "/api/channels", api_tokens.as_agent),
        ("GET", f"/api/channels/{CHANNEL}", api_tokens.as_agent),
        ("POST", STATUS_URL, api_tokens.as_editor),
        ("GET", "/api/channels", {}),  # 401
        ("GET", "/api/nothing", api_tokens.as_agent),  # 404
        ("GET", "/healthz", {}),
        ("GET", "/openapi.json", {}),
    ):
        r = await client.request(method, path, json={"status": "up"}, headers=headers)
        assert r.content_type == "application/json", path
        assert r.headers["X-Content-Type-Options"] == "nosniff", path
        assert r.headers["Cache-Control"] == "no-store", path
    r = await client.get("/status.json")  # public and cacheable: it keeps its own policy
    assert r.headers["Cache-Control"] == "public, max-age=15"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    r = await client.get("/chat")
    assert (r.headers["X-Content-Type-Options"], r.headers["Cache-Control"]) == (
        "nosniff",
        "no-cache",
    )
