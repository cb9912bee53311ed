"""Every /api endpoint on SQLite and PostgreSQL: what it returns, what it changes, its errors."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import func, select
from web_support import Tokens, error_of

from bot.db import Store
from bot.models import AuditEntry
from bot.services import channels, incidents

OUTAGE = "nov-2023-phone-internet"


def audit_count(store: Store) -> int:
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry)) or 0


# --- incidents ----------------------------------------------------------------------------------


async def test_list_and_get_incidents(client: TestClient, api_tokens: Tokens) -> None:
    r = await client.get("/api/incidents", headers=api_tokens.as_agent)
    assert r.status == 200
    keys = [i["key"] for i in await r.json()]
    assert keys == ["carelon-rehab-apologies", OUTAGE]
    r = await client.get(f"/api/incidents/{OUTAGE}", headers=api_tokens.as_agent)
    outage = await r.json()
    assert outage["internal_note"].startswith("Lumen ticket")  # staff see internal notes
    assert outage["freshness"][0]["current_through"] == "2023-11-26"
    assert len(outage["updates"]) == 2
    assert outage["started_at"] == "2023-11-27T13:00:00+00:00"


async def test_list_incidents_without_resolved(client: TestClient, api_tokens: Tokens) -> None:
    await client.post(f"/api/incidents/{OUTAGE}/resolve", headers=api_tokens.as_editor)
    r = await client.get("/api/incidents?include_resolved=false", headers=api_tokens.as_agent)
    assert [i["key"] for i in await r.json()] == ["carelon-rehab-apologies"]
    r = await client.get("/api/incidents?include_resolved=maybe", headers=api_tokens.as_agent)
    assert (await error_of(r, 422))["field"] == "include_resolved"


async def test_create_incident(client: TestClient, api_tokens: Tokens, store: Store) -> None:
    body = {
        "key": "email-delays",
        "title": "Secure email replies are slow",
        "summary": "Replies take up to three days.",
        "channels": ["member_resource_center"],
        "affected_systems": ["email_replies"],
        "internal_note": "vendor ticket 42",
    }
    r = await client.post("/api/incidents", json=body, headers=api_tokens.as_editor)
    assert r.status == 201, await r.text()
    assert r.headers["Location"] == "/api/incidents/email-delays"
    created = await r.json()
    assert created["status"] == "investigating"
    assert created["started_at"] == "2023-11-28T15:00:00+00:00"
    assert (created["updated_by"], created["channels"]) == (
        "dana-editor",
        ["member_resource_center"],
    )
    with store.read() as s:
        assert incidents.get_incident(s, "email-delays").updated_by == "dana-editor"
    r = await client.post("/api/incidents", json=body, headers=api_tokens.as_editor)
    await error_of(r, 409)


async def test_create_incident_errors_name_the_field(
    client: TestClient, api_tokens: Tokens, store: Store
) -> None:
    before = audit_count(store)
    cases = [
        ({"key": "x"}, "title"),
        ({"key": "Bad Key", "title": "T"}, "key"),
        ({"key": "x", "title": "T", "colour": "red"}, "colour"),
        ({"key": "x", "title": "T", "public": "yes"}, "public"),
        ({"key": "x", "title": 5}, "title"),
        ({"key": "x", "title": "T", "channels": "member_phone"}, "channels"),
        ({"key": "x", "title": "T", "channels": ["no_such_channel"]}, "channels"),
        ({"key": "x", "title": "T", "started_at": "yesterday"}, "started_at"),
        ({"key": "x", "title": "T", "started_at": "0001-01-01T00:00:00+14:00"}, "started_at"),
        ({"key": "x", "title": "T", "status": "on fire"}, "status"),
        ({"key": "x", "title": "T\u0000"}, "title"),
        ({"key": "x", "title": "T", "summary": "\ud800"}, "summary"),
    ]
    for body, field in cases:
        r = await client.post("/api/incidents", json=body, headers=api_tokens.as_editor)
        assert (await error_of(r, 422))["field"] == field, body
    assert audit_count(store) == before


async def test_malformed_bodies_are_400(client: TestClient, api_tokens: Tokens) -> None:
    headers = {**api_tokens.as_editor, "Content-Type": "application/json"}
    for raw in (b"{", b"[1, 2]", b'"text"', b"null", b'{"key": NaN}', b"\xff\xfe", b"[" * 50_000):
        r = await client.post("/api/incidents", data=raw, headers=headers)
        assert (await error_of(r, 400))["code"] == "bad_request", raw[:10]


async def test_body_over_the_cap_is_413(client: TestClient, api_tokens: Tokens) -> None:
    body = {"key": "big", "title": "T", "summary": "x" * 70_000}
    r = await client.post("/api/incidents", json=body, headers=api_tokens.as_editor)
    assert (await error_of(r, 413))["code"] == "too_large"


async def test_patch_incident(client: TestClient, api_tokens: Tokens, store: Store) -> None:
    r = await client.patch(
        f"/api/incidents/{OUTAGE}",
        json={"status": "monitoring", "working_note": "Phones partly back."},
        headers=api_tokens.as_editor,
    )
    assert r.status == 200
    assert (await r.json())["status"] == "monitoring"
    r = await client.patch(
        f"/api/incidents/{OUTAGE}", json={"key": "renamed"}, headers=api_tokens.as_editor
    )
    assert (await error_of(r, 422))["field"] == "key"
    r = await client.patch(
        f"/api/incidents/{OUTAGE}",
        json={"status": "resolved", "resolved_at": "2023-11-01T00:00:00-05:00"},
        headers=api_tokens.as_editor,
    )
    assert (await error_of(r, 422))["field"] == "resolved_at"
    r = await client.patch("/api/incidents/nope", json={}, headers=api_tokens.as_editor)
    assert "nov-2023-phone-internet" in (await error_of(r, 404))["message"]
    with store.read() as s:
        assert incidents.get_incident(s, OUTAGE).status == "monitoring"


async def test_resolve_incident(client: TestClient, api_tokens: Tokens) -> None:
    r = await client.post(
        f"/api/incidents/{OUTAGE}/resolve",
        json={"note": "Phones and internet are back."},
        headers=api_tokens.as_editor,
    )
    assert r.status == 200
    resolved = await r.json()
    assert resolved["status"] == "resolved"
    assert resolved["resolved_at"] == "2023-11-28T15:00:00+00:00"
    assert resolved["updates"][-1]["body"] == "Phones and internet are back."
    r = await client.post(f"/api/incidents/{OUTAGE}/resolve", headers=api_tokens.as_editor)
    await error_of(r, 409)
    r = await client.post("/api/incidents/nope/resolve", headers=api_tokens.as_editor)
    await error_of(r, 404)


async def test_post_timeline_update(client: TestClient, api_tokens: Tokens) -> None:
    r = await client.post(
        f"/api/incidents/{OUTAGE}/updates",
        json={"body": "Crews are splicing the fiber.", "public": False},
        headers=api_tokens.as_editor,
    )
    assert r.status == 201
    entry = await r.json()
    assert (entry["body"], entry["public"], entry["updated_by"]) == (
        "Crews are splicing the fiber.",
        False,
        "dana-editor",
    )
    r = await client.post(
        f"/api/incidents/{OUTAGE}/updates", json={"body": "  "}, headers=api_tokens.as_editor
    )
    assert (await error_of(r, 422))["field"] == "body"
    r = await client.post(
        "/api/incidents/BAD%20KEY/updates", json={"body": "x"}, headers=api_tokens.as_editor
    )
    await error_of(r, 404)


async def test_put_freshness(client: TestClient, api_tokens: Tokens) -> None:
    url = f"/api/incidents/{OUTAGE}/freshness/member_resource_center_claims"
    r = await client.put(
        url,
        json={"label": "Claims in the Member Resource Center", "current_through": "2023-11-27"},
        headers=api_tokens.as_editor,
    )
    assert r.status == 200
    assert (await r.json())["current_through"] == "2023-11-27"
    r = await client.get(f"/api/incidents/{OUTAGE}", headers=api_tokens.as_agent)
    assert [f["current_through"] for f in (await r.json())["freshness"]] == ["2023-11-27"]
    r = await client.put(
        url, json={"label": "x", "current_through": "Nov 27"}, headers=api_tokens.as_editor
    )
    assert (await error_of(r, 422))["field"] == "current_through"
    r = await client.put(
        f"/api/incidents/{OUTAGE}/freshness/Bad%20System",
        json={"label": "x", "current_through": "2023-11-27"},
        headers=api_tokens.as_editor,
    )
    assert (await error_of(r, 422))["field"] == "system"
    r = await client.put(
        "/api/incidents/nope/freshness/claims",
        json={"label": "x", "current_through": "2023-11-27"},
        headers=api_tokens.as_editor,
    )
    await error_of(r, 404)


# --- channels -----------------------------------------------------------------------------------


async def test_list_and_get_channels(client: TestClient, api_tokens: Tokens) -> None:
    r = await client.get("/api/channels", headers=api_tokens.as_agent)
    keys = [c["key"] for c in await r.json()]
    assert "vermont_blue_rx" in keys and keys == sorted(keys)
    r = await client.get("/api/channels/part_d_line", headers=api_tokens.as_agent)
    assert (await r.json())["contact"] == "(888) 620-1746"
    r = await client.get("/api/channels/nope", headers=api_tokens.as_agent)
    assert "vermont_blue_rx" in (await error_of(r, 404))["message"]


async def test_put_channel_creates_and_replaces(client: TestClient, api_tokens: Tokens) -> None:
    body = {"name": "Nurse line", "kind": "phone", "audience": "member", "contact": "802-555-0100"}
    r = await client.put("/api/channels/nurse_line", json=body, headers=api_tokens.as_editor)
    assert r.status == 200, await r.text()
    created = await r.json()
    assert (created["status"], created["public"], created["updated_by"]) == (
        "up",
        True,
        "dana-editor",
    )
    body = {**body, "key": "nurse_line", "status": "down", "status_note": "storm", "public": False}
    r = await client.put("/api/channels/nurse_line", json=body, headers=api_tokens.as_editor)
    assert (await r.json())["status"] == "down"
    r = await client.put(
        "/api/channels/nurse_line", json={**body, "key": "other"}, headers=api_tokens.as_editor
    )
    assert (await error_of(r, 422))["field"] == "key"
    r = await client.put(
        "/api/channels/nurse_line",
        json={**body, "contact": "555-12"},
        headers=api_tokens.as_editor,
    )
    assert (await error_of(r, 422))["field"] == "contact"
    r = await client.put("/api/channels/Bad%20Key", json=body, headers=api_tokens.as_editor)
    assert (await error_of(r, 422))["field"] == "key"
    r = await client.put(
        "/api/channels/nurse_line", json={"name": "x"}, headers=api_tokens.as_editor
    )
    assert (await error_of(r, 422))["field"] in ("kind", "contact")


async def test_set_channel_status(client: TestClient, api_tokens: Tokens, store: Store) -> None:
    r = await client.post(
        "/api/channels/member_phone/status",
        json={"status": "up", "note": "Phones restored."},
        headers=api_tokens.as_editor,
    )
    assert r.status == 200
    with store.read() as s:
        row = channels.get_channel(s, "member_phone")
        assert (row.status, row.status_note, row.updated_by) == (
            "up",
            "Phones restored.",
            "dana-editor",
        )
    r = await client.post(
        "/api/channels/member_phone/status",
        json={"status": "sideways"},
        headers=api_tokens.as_editor,
    )
    assert (await error_of(r, 422))["field"] == "status"
    r = await client.post(
        "/api/channels/nope/status", json={"status": "up"}, headers=api_tokens.as_editor
    )
    await error_of(r, 404)


# --- routes -------------------------------------------------------------------------------------


async def test_get_route(client: TestClient, api_tokens: Tokens) -> None:
    r = await client.get("/api/routes/prior_auth?audience=member", headers=api_tokens.as_agent)
    route = await r.json()
    assert [c["key"] for c in route["channels"]] == ["member_resource_center", "member_phone"]
    assert route["offered"] == ["member_resource_center"]
    assert [c["offered"] for c in route["channels"]] == [True, False]
    assert (route["fallback"], route["all_down"]) == (False, False)
    r = await client.get("/api/routes/payment?audience=provider", headers=api_tokens.as_agent)
    assert (await r.json())["fallback"] is True
    r = await client.get("/api/routes/pharmacy", headers=api_tokens.as_agent)
    assert (await r.json())["audience"] == "member"
    r = await client.get("/api/routes/astrology", headers=api_tokens.as_agent)
    assert "pharmacy" in (await error_of(r, 404))["message"]
    r = await client.get("/api/routes/pharmacy?audience=alien", headers=api_tokens.as_agent)
    assert (await error_of(r, 422))["field"] == "audience"


async def test_put_route(client: TestClient, api_tokens: Tokens) -> None:
    r = await client.put(
        "/api/routes/pharmacy/member",
        json={"channels": ["member_resource_center", "vermont_blue_rx"]},
        headers=api_tokens.as_editor,
    )
    assert r.status == 200, await r.text()
    assert (await r.json())["offered"] == ["member_resource_center", "vermont_blue_rx"]
    for body, field in (
        ({"channels": []}, "channels"),
        ({"channels": ["nope"]}, "channels"),
        ({"channels": [1]}, "channels"),
        ({}, "channels"),
    ):
        r = await client.put("/api/routes/pharmacy/member", json=body, headers=api_tokens.as_editor)
        assert (await error_of(r, 422))["field"] == field
    r = await client.put(
        "/api/routes/pharmacy/alien",
        json={"channels": ["plan_website"]},
        headers=api_tokens.as_editor,
    )
    assert (await error_of(r, 422))["field"] == "audience"


# --- rules and texts ----------------------------------------------------------------------------


async def test_rules(client: TestClient, api_tokens: Tokens) -> None:
    r = await client.get("/api/rules", headers=api_tokens.as_agent)
    rules = {x["key"]: x for x in await r.json()}
    assert rules["prior_auth_waiver"]["ends_on"] == "2023-12-03"
    r = await client.put(
        "/api/rules/prior_auth_waiver", json={"ends_on": "2023-12-10"}, headers=api_tokens.as_editor
    )
    assert r.status == 200
    changed = await r.json()
    assert (changed["ends_on"], changed["starts_on"]) == ("2023-12-10", "2023-11-22")
    r = await client.put(
        "/api/rules/new_rule",
        json={"title": "New", "text": "Body", "params": {"a": [1]}},
        headers=api_tokens.as_editor,
    )
    assert (await r.json())["params"] == {"a": [1]}
    for body, field in (
        ({"ends_on": "2023-11-01"}, "ends_on"),
        ({"params": []}, "params"),
        ({"starts_on": 20231122}, "starts_on"),
        ({"title": "x", "key": "other"}, "key"),
    ):
        r = await client.put(
            "/api/rules/prior_auth_waiver", json=body, headers=api_tokens.as_editor
        )
        assert (await error_of(r, 422))["field"] == field
    r = await client.put("/api/rules/brand_new", json={"text": "x"}, headers=api_tokens.as_editor)
    assert (await error_of(r, 422))["field"] == "title"


async def test_texts(client: TestClient, api_tokens: Tokens) -> None:
    r = await client.get("/api/texts", headers=api_tokens.as_agent)
    assert "backlog" in [t["key"] for t in await r.json()]
    r = await client.put(
        "/api/texts/pharmacy_intro",
        json={"text": "For medicines, {action}"},
        headers=api_tokens.as_editor,
    )
    assert r.status == 200
    assert (await r.json())["placeholders"] == ["action"]
    for text in ("Hi {name", "{action.upper}", "{action:>999999999}", "{action!r}", "{}", "{0}"):
        r = await client.put(
            "/api/texts/pharmacy_intro", json={"text": text}, headers=api_tokens.as_editor
        )
        assert (await error_of(r, 422))["field"] == "text", text
    r = await client.put("/api/texts/Bad%20Key", json={"text": "x"}, headers=api_tokens.as_editor)
    assert (await error_of(r, 422))["field"] == "key"


# --- audit and answers --------------------------------------------------------------------------


async def test_audit_records_the_token_name(client: TestClient, api_tokens: Tokens) -> None:
    await client.post(
        "/api/channels/part_d_line/status", json={"status": "down"}, headers=api_tokens.as_editor
    )
    r = await client.get("/api/audit?limit=1&entity=channels", headers=api_tokens.as_agent)
    [entry] = await r.json()
    assert (entry["actor"], entry["action"], entry["entity_key"]) == (
        "dana-editor",
        "update",
        "part_d_line",
    )
    assert (entry["before"]["status"], entry["after"]["status"]) == ("up", "down")
    r = await client.get("/api/audit?entity=api_tokens", headers=api_tokens.as_agent)
    token_entries = await r.json()
    assert {e["entity_key"] for e in token_entries} == {"dana-editor", "sam-agent", "old-editor"}
    assert "hash" not in str(token_entries)
    for query in ("limit=0", "limit=501", "limit=ten"):
        r = await client.get(f"/api/audit?{query}", headers=api_tokens.as_agent)
        assert (await error_of(r, 422))["field"] == "limit"


async def test_answer_lookup(client: TestClient, api_tokens: Tokens) -> None:
    r = await client.get("/api/answer?topic=part_d&audience=member", headers=api_tokens.as_agent)
    answer = await r.json()
    assert "(888) 620-1746" in answer["text"]
    assert answer["offered"] == ["part_d_line"]
    r = await client.get("/api/answer?topic=horoscope", headers=api_tokens.as_agent)
    assert (await error_of(r, 422))["field"] == "topic"
    r = await client.get("/api/answer", headers=api_tokens.as_agent)
    assert (await error_of(r, 422))["field"] == "topic"


async def test_every_answer_topic_answers(client: TestClient, api_tokens: Tokens) -> None:
    from bot.web.lookup import ANSWERS

    for topic in ANSWERS:
        for audience in ("member", "provider"):
            r = await client.get(
                f"/api/answer?topic={topic}&audience={audience}", headers=api_tokens.as_agent
            )
            assert r.status == 200, (topic, audience, await r.text())
            assert (await r.json())["text"]


async def test_editor_change_shows_in_the_next_answer(
    client: TestClient, api_tokens: Tokens
) -> None:
    async def pharmacy() -> dict[str, Any]:
        r = await client.get("/api/answer?topic=pharmacy", headers=api_tokens.as_agent)
        return await r.json()

    assert "(877) 493-1947" in (await pharmacy())["text"]
    r = await client.post(
        "/api/channels/vermont_blue_rx/status",
        json={"status": "down", "note": "Vendor line is out"},
        headers=api_tokens.as_editor,
    )
    assert r.status == 200
    answer = await pharmacy()
    assert "Vendor line is out" in answer["text"]
    assert "vermont_blue_rx" not in answer["offered"]
    assert answer["offered"] == ["member_resource_center"]
    r = await client.put(
        "/api/texts/pharmacy_intro",
        json={"text": "Prescription questions: {action}"},
        headers=api_tokens.as_editor,
    )
    assert r.status == 200
    assert "Prescription questions: log in" in (await pharmacy())["text"]
