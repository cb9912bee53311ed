"""/api/messages on SQLite and PostgreSQL: the exchange's reminder email is held the moment
its website goes down, a draft with the same link is refused, the hold is audited, and only
an editor releases it."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from web_support import FakeMonotonic, Tokens, error_of

REMINDER = {
    "name": "Premium payment reminder (automated email)",
    "kind": "email_template",
    "owner": "Exchange billing",
    "schedule": "monthly",
    "text": "Your premium is due. Pay online at https://VermontHealthConnect.gov/pay today.",
}
WEBSITE = "exchange_website"


async def _ok(response: Any, status: int = 200) -> Any:
    assert response.status == status, await response.text()
    return await response.json()


async def _website(client: TestClient, tokens: Tokens, status: str) -> None:
    await _ok(
        await client.post(
            f"/api/channels/{WEBSITE}/status",
            json={"status": status, "note": "offline for security repairs"},
            headers=tokens.as_editor,
        )
    )


async def test_reminder_is_held_when_the_website_goes_down_end_to_end(
    client: TestClient, api_tokens: Tokens
) -> None:
    await _website(client, api_tokens, "up")
    put = client.put("/api/messages/vhc_reminder", json=REMINDER, headers=api_tokens.as_editor)
    message = await _ok(await put)
    assert message["held"] is False and message["held_reason"] is None
    assert [(c["key"], c["found"]) for c in message["channels"]] == [
        (WEBSITE, "https://VermontHealthConnect.gov/pay")
    ]
    before = await _ok(await client.get("/api/messages?held=true", headers=api_tokens.as_agent))
    assert [m["key"] for m in before] == ["exchange_payment_reminder"]  # held by the demo

    await _website(client, api_tokens, "down")

    held = await _ok(await client.get("/api/messages?held=true", headers=api_tokens.as_agent))
    assert [m["key"] for m in held] == ["exchange_payment_reminder", "vhc_reminder"]
    ours = next(m for m in held if m["key"] == "vhc_reminder")
    assert ours["held_at"] is not None
    assert "Vermont Health Connect website" in ours["held_reason"]
    assert "down" in ours["held_reason"] and "security repairs" in ours["held_reason"]
    assert ours["blocked_now"] and ours["updated_by"] == "dana-editor"

    draft = {"text": "Reminder: pay at vermonthealthconnect.gov before Friday."}
    check = await _ok(
        await client.post("/api/messages/check", json=draft, headers=api_tokens.as_agent)
    )
    assert check == {
        "ok": False,
        "problems": [{"channel": WEBSITE, "status": "down", "found": "vermonthealthconnect.gov"}],
    }

    trail = await _ok(
        await client.get("/api/audit?entity=outbound_messages", headers=api_tokens.as_agent)
    )
    hold = next(e for e in trail if e["entity_key"] == "vhc_reminder" and e["action"] == "update")
    assert hold["actor"] == "dana-editor"
    assert hold["before"]["held_at"] is None and hold["after"]["held_at"] is not None
    assert hold["after"]["held_reason"] == ours["held_reason"]


async def test_a_draft_naming_only_working_channels_is_ok_and_degraded_is_flagged(
    client: TestClient, api_tokens: Tokens
) -> None:
    fine = {"text": "Call Vermont Blue Rx at 877.493.1947 for refills."}
    assert await _ok(
        await client.post("/api/messages/check", json=fine, headers=api_tokens.as_editor)
    ) == {"ok": True, "problems": []}
    degraded = {"text": "Log in to the Member Resource Center to see claims."}
    body = await _ok(
        await client.post("/api/messages/check", json=degraded, headers=api_tokens.as_agent)
    )
    assert body["ok"] is False
    assert body["problems"] == [
        {
            "channel": "member_resource_center",
            "status": "degraded",
            "found": "Member Resource Center",
        }
    ]


async def test_release_is_for_editors_refused_while_still_down_and_audited(
    client: TestClient, api_tokens: Tokens, monotonic: FakeMonotonic
) -> None:
    key = "exchange_payment_reminder"  # held by the demo scenario: the website is down
    msg = await _ok(await client.get(f"/api/messages/{key}", headers=api_tokens.as_agent))
    assert msg["held"] is True
    version = msg["version"]

    r = await client.post(f"/api/messages/{key}/release", headers=api_tokens.as_agent)
    await error_of(r, 403)
    r = await client.post(f"/api/messages/{key}/release", headers=api_tokens.as_editor)
    assert "still points at" in (await error_of(r, 409))["message"]

    # The website comes back: nothing releases the message by itself.
    await _website(client, api_tokens, "up")
    msg = await _ok(await client.get(f"/api/messages/{key}", headers=api_tokens.as_agent))
    assert msg["held"] is True and msg["blocked_now"] == []

    monotonic.advance(61)
    stale = {"If-Match": f'"{version + 1}"', **api_tokens.as_editor}
    await error_of(await client.post(f"/api/messages/{key}/release", headers=stale), 412)
    released = await _ok(
        await client.post(f"/api/messages/{key}/release", headers=api_tokens.as_editor)
    )
    assert released["held"] is False and released["held_reason"] is None
    r = await client.post(f"/api/messages/{key}/release", headers=api_tokens.as_editor)
    assert "not held" in (await error_of(r, 409))["message"]
    trail = await _ok(
        await client.get("/api/audit?entity=outbound_messages", headers=api_tokens.as_agent)
    )
    assert trail[0]["entity_key"] == key and trail[0]["after"]["held_at"] is None


async def test_force_releases_while_down_and_an_edit_does_not_release(
    client: TestClient, api_tokens: Tokens
) -> None:
    key = "exchange_payment_reminder"
    edited = {**REMINDER, "text": "The exchange is offline. Please send a check or call us."}
    msg = await _ok(
        await client.put(f"/api/messages/{key}", json=edited, headers=api_tokens.as_editor)
    )
    assert msg["held"] is True and msg["channels"] == [] and msg["blocked_now"] == []
    await _ok(await client.put(f"/api/messages/{key}", json=REMINDER, headers=api_tokens.as_editor))
    forced = await _ok(
        await client.post(
            f"/api/messages/{key}/release", json={"force": True}, headers=api_tokens.as_editor
        )
    )
    assert forced["held"] is False and forced["blocked_now"]


async def test_an_incident_affecting_a_degraded_channel_holds_what_names_it(
    client: TestClient, api_tokens: Tokens
) -> None:
    snippet = {
        "name": "Claims banner",
        "kind": "web_snippet",
        "owner": "Communications",
        "text": "See your claims in the Member Resource Center.",
    }
    msg = await _ok(
        await client.put("/api/messages/claims_banner", json=snippet, headers=api_tokens.as_editor)
    )
    assert msg["held"] is False  # degraded, and no incident names it yet
    await _ok(
        await client.patch(
            "/api/incidents/nov-2023-phone-internet",
            json={"channels": ["member_phone", "member_resource_center"]},
            headers=api_tokens.as_editor,
        ),
    )
    msg = await _ok(await client.get("/api/messages/claims_banner", headers=api_tokens.as_agent))
    assert msg["held"] is True
    assert "incident 'nov-2023-phone-internet' affects" in msg["held_reason"]


async def test_bad_requests_get_json_errors(client: TestClient, api_tokens: Tokens) -> None:
    h = api_tokens.as_editor
    await error_of(await client.get("/api/messages"), 401)
    await error_of(await client.post("/api/messages/check", json={"text": "x"}), 401)
    await error_of(
        await client.put("/api/messages/x1", json=REMINDER, headers=api_tokens.as_agent), 403
    )
    await error_of(await client.get("/api/messages/nope", headers=h), 404)
    await error_of(await client.get("/api/messages?held=maybe", headers=h), 422)
    await error_of(await client.post("/api/messages/check", json={}, headers=h), 422)
    await error_of(await client.post("/api/messages/check", data=b"{", headers=h), 400)
    bad_kind = {**REMINDER, "kind": "fax"}
    assert (await error_of(await client.put("/api/messages/x1", json=bad_kind, headers=h), 422))[
        "field"
    ] == "kind"
    renamed = {**REMINDER, "key": "other"}
    await error_of(await client.put("/api/messages/x1", json=renamed, headers=h), 422)
    await error_of(await client.post("/api/messages/nope/release", headers=h), 404)
    await error_of(await client.get("/api/messages/x1", headers=h), 404)  # nothing was stored
