"""/api/translations on SQLite and PostgreSQL: staff edit Spanish through the API, the
data-impact statement shows only once approved (audited), what is missing is listed, and
/status.json and the agents' lookup come in Spanish."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from web_support import Tokens, error_of

INCIDENT = "nov-2023-phone-internet"
STATEMENT = f"/api/translations/incident/{INCIDENT}/data_impact_statement/es"


async def _ok(response: Any, status: int = 200) -> Any:
    assert response.status == status, await response.text()
    return await response.json()


async def test_an_editor_translates_and_approves_the_data_impact_statement(
    client: TestClient, api_tokens: Tokens
) -> None:
    text = "No se ha comprometido ningún dato de salud (versión revisada)."
    saved = await _ok(
        await client.put(STATEMENT, json={"text": text}, headers=api_tokens.as_editor)
    )
    assert saved["approved_at"] is None and saved["source"].startswith("No health care data")
    missing = await _ok(
        await client.get("/api/translations/missing?language=es", headers=api_tokens.as_agent)
    )
    reasons = {(g["owner"], g["key"], g["field"]): g["reason"] for g in missing}
    assert reasons[("incident", INCIDENT, "data_impact_statement")] == "unapproved"

    refused = await client.post(f"{STATEMENT}/approve", headers=api_tokens.as_agent)
    await error_of(refused, 403)
    approved = await _ok(await client.post(f"{STATEMENT}/approve", headers=api_tokens.as_editor))
    assert approved["approved_by"] == "dana-editor" and approved["approved_at"]
    assert approved["version"] == saved["version"] + 1

    trail = await _ok(
        await client.get("/api/audit?entity=translations", headers=api_tokens.as_agent)
    )
    mine = [e for e in trail if e["entity_key"] == f"incident:{INCIDENT}:data_impact_statement:es"]
    assert mine[0]["after"]["approved_by"] == "dana-editor"
    listed = await _ok(
        await client.get("/api/translations?language=es", headers=api_tokens.as_agent)
    )
    assert any(t["text"] == text for t in listed)


async def test_bad_translations_get_json_errors(client: TestClient, api_tokens: Tokens) -> None:
    for path in (
        "/api/translations/channel/vermont_blue_rx/contact/es",  # not translatable
        "/api/translations/channel/vermont_blue_rx/name/fr",  # not a language we answer in
        "/api/translations/nothing/vermont_blue_rx/name/es",
    ):
        body = await error_of(
            await client.put(path, json={"text": "x"}, headers=api_tokens.as_editor), 422
        )
        assert body["message"] and body["field"]
    await error_of(
        await client.put(
            "/api/translations/channel/no_such_channel/name/es",
            json={"text": "x"},
            headers=api_tokens.as_editor,
        ),
        404,
    )
    await error_of(await client.post(f"{STATEMENT}x/approve", headers=api_tokens.as_editor), 422)


async def test_status_json_in_spanish(client: TestClient, api_tokens: Tokens) -> None:
    english = await _ok(await client.get("/status.json"))
    spanish = await _ok(await client.get("/status.json?lang=es"))
    assert english["language"] == "en" and spanish["language"] == "es"
    assert spanish["untranslated"] is False
    assert [c["key"] for c in spanish["channels"]] == [c["key"] for c in english["channels"]]
    assert [c["contact"] for c in spanish["channels"]] == [
        c["contact"] for c in english["channels"]
    ]
    pharmacy = next(c for c in spanish["channels"] if c["key"] == "vermont_blue_rx")
    assert "farmacia" in pharmacy["name"].lower()
    assert spanish["incidents"][0]["title"] != english["incidents"][0]["title"]
    # A new English note has no Spanish yet: the document says so.
    await _ok(
        await client.post(
            "/api/channels/vermont_blue_rx/status",
            json={"status": "down", "note": "Vendor phone outage."},
            headers=api_tokens.as_editor,
        )
    )
    after = await _ok(await client.get("/status.json?lang=es"))
    assert after["untranslated"] is True
    pharmacy = next(c for c in after["channels"] if c["key"] == "vermont_blue_rx")
    assert pharmacy["contact"] is None and pharmacy["status_note"] == "Vendor phone outage."
