"""Public endpoints: health, readiness, /status.json (privacy, caching, CORS), the spec."""

from __future__ import annotations

import json

from aiohttp.test_utils import TestClient
from web_support import ClientFactory, Tokens, error_of

from bot import migrate
from bot.db import Store
from bot.services import channels, incidents

OUTAGE = "nov-2023-phone-internet"


async def test_healthz_and_readyz(client: TestClient) -> None:
    r = await client.get("/healthz")
    assert (r.status, await r.json()) == (200, {"status": "ok"})
    r = await client.get("/readyz")
    assert (r.status, await r.json()) == (
        200,
        {"status": "ready", "revision": migrate.head_revision()},
    )


async def test_readyz_is_503_when_the_schema_is_behind(
    make_client: ClientFactory, store: Store
) -> None:
    migrate.downgrade(store.engine, "0001")
    client = await make_client()
    r = await client.get("/readyz")
    error = await error_of(r, 503)
    assert error["code"] == "not_ready" and "0001" in error["message"]
    assert (await client.get("/healthz")).status == 200


async def test_status_json_shows_public_incidents_and_channels(client: TestClient) -> None:
    r = await client.get("/status.json")
    assert r.status == 200
    doc = await r.json()
    assert set(doc) == {
        "generated_at",
        "updated_at",
        "incidents",
        "channels",
        "language",
        "untranslated",
    }
    assert doc["language"] == "en" and doc["untranslated"] is False
    assert doc["generated_at"] == "2023-11-28T15:00:00+00:00"
    [outage] = doc["incidents"]  # the Carelon one has not started at the demo moment
    assert outage["key"] == OUTAGE
    assert outage["data_current_through"] == [
        {
            "label": "Claims and plan information in the Member Resource Center",
            "current_through": "2023-11-26",
        }
    ]
    assert len(outage["updates"]) == 2
    fields = {"key", "name", "kind", "audience", "status", "status_note", "contact", "tel", "url"}
    assert fields == set(doc["channels"][0])
    assert {c["key"]: c["status"] for c in doc["channels"]}["member_phone"] == "down"


async def test_status_json_hides_internal_and_non_public_data(
    client: TestClient, store: Store, api_tokens: Tokens
) -> None:
    with store.begin("ops") as s:
        now = store.clock.now()
        incidents.update_incident(s, OUTAGE, {"internal_note": "SECRET-NOTE-1"}, now)
        incidents.post_update(s, OUTAGE, "SECRET-UPDATE-2", now, public=False)
        incidents.open_incident(
            s, {"key": "secret-incident", "title": "SECRET-INCIDENT-3", "public": False}, now
        )
        channels.upsert_channel(
            s,
            {
                "key": "secret_line",
                "name": "SECRET-CHANNEL-4",
                "kind": "phone",
                "contact": "802-555-0199",
                "public": False,
            },
        )
        channels.set_status(s, "vermont_blue_rx", "degraded", "slow answers")
    r = await client.get("/status.json")
    text = await r.text()
    for secret in ("SECRET-NOTE-1", "SECRET-UPDATE-2", "SECRET-INCIDENT-3", "SECRET-CHANNEL-4"):
        assert secret not in text
    for private in ("internal_note", "secret_line", "secret-incident", "updated_by", "actor"):
        assert private not in text
    for token in (api_tokens.editor, api_tokens.agent, "dana-editor", "test-admin", "ops"):
        assert token not in text
    doc = json.loads(text)
    assert {c["key"]: c["status_note"] for c in doc["channels"]}["vermont_blue_rx"] == (
        "slow answers"
    )
    assert "802-555-0199" not in text  # the private channel's contact


async def test_status_json_gives_the_contact_of_working_channels_only(
    client: TestClient, store: Store
) -> None:
    with store.begin("ops") as s:
        channels.upsert_channel(
            s,
            {"key": "plan_site", "name": "Plan site", "kind": "web", "contact": "www.example.org"},
        )
        channels.upsert_channel(
            s,
            {"key": "pay_site", "name": "Pay", "kind": "web", "contact": "http://example.org/pay"},
        )
    doc = await (await client.get("/status.json")).json()
    shown = {c["key"]: (c["contact"], c["tel"], c["url"]) for c in doc["channels"]}
    assert shown["vermont_blue_rx"] == ("(877) 493-1947", "+18774931947", None)
    assert shown["urgent_pa_answering_service"] == ("802-371-0130", "+18023710130", None)
    assert shown["plan_site"] == ("www.example.org", None, "https://www.example.org")
    assert shown["pay_site"] == ("http://example.org/pay", None, "http://example.org/pay")
    # Words are a contact, never a link; a down channel has none at all.
    assert shown["pay_by_mail"] == (
        "mail a check to the payment address printed on your premium bill",
        None,
        None,
    )
    assert shown["member_phone"] == (None, None, None)
    assert shown["exchange_website"] == (None, None, None)  # VermontHealthConnect.gov, down
    with store.begin("ops") as s:
        channels.set_status(s, "vermont_blue_rx", "down", "line cut")
        channels.set_status(s, "plan_site", "degraded", "slow")
    r = await client.get("/status.json")
    doc = await r.json()
    shown = {c["key"]: (c["contact"], c["tel"], c["url"]) for c in doc["channels"]}
    assert shown["vermont_blue_rx"] == (None, None, None)
    assert "493-1947" not in await r.text()
    assert shown["plan_site"] == ("www.example.org", None, "https://www.example.org")


async def test_status_json_hides_resolved_incidents(client: TestClient, store: Store) -> None:
    with store.begin("ops") as s:
        incidents.resolve(s, OUTAGE, store.clock.now(), "All fixed.")
    doc = await (await client.get("/status.json")).json()
    assert doc["incidents"] == []


async def test_status_json_etag_and_conditional_requests(client: TestClient, store: Store) -> None:
    r = await client.get("/status.json")
    etag = r.headers["ETag"]
    assert r.headers["Cache-Control"] == "public, max-age=15"
    assert r.headers["Last-Modified"] == "Tue, 28 Nov 2023 15:00:00 GMT"
    assert r.headers["Vary"] == "Origin"
    r = await client.get("/status.json", headers={"If-None-Match": etag})
    assert r.status == 304 and await r.read() == b""
    assert r.headers["ETag"] == etag
    r = await client.get("/status.json", headers={"If-None-Match": f'"other", W/{etag}'})
    assert r.status == 304
    r = await client.get("/status.json", headers={"If-None-Match": '"stale"'})
    assert r.status == 200
    r = await client.get(
        "/status.json", headers={"If-Modified-Since": "Tue, 28 Nov 2023 15:00:00 GMT"}
    )
    assert r.status == 304
    r = await client.get(
        "/status.json", headers={"If-Modified-Since": "Tue, 28 Nov 2023 14:59:59 GMT"}
    )
    assert r.status == 200
    with store.begin("ops") as s:
        channels.set_status(s, "part_d_line", "down", "line cut")
    r = await client.get("/status.json", headers={"If-None-Match": etag})
    assert r.status == 200 and r.headers["ETag"] != etag


async def test_status_json_etag_ignores_generated_at(
    make_client: ClientFactory, store: Store
) -> None:
    from datetime import timedelta

    from bot.clock import Clock

    first = await make_client()
    later = await make_client(clock=Clock.fixed(store.clock.now() + timedelta(minutes=5)))
    a, b = await first.get("/status.json"), await later.get("/status.json")
    assert (await a.json())["generated_at"] != (await b.json())["generated_at"]
    assert a.headers["ETag"] == b.headers["ETag"]


async def test_cors_only_for_configured_origins(make_client: ClientFactory) -> None:
    client = await make_client(cors_origins=("https://status.example.org",))
    r = await client.get("/status.json", headers={"Origin": "https://status.example.org"})
    assert r.headers["Access-Control-Allow-Origin"] == "https://status.example.org"
    assert "ETag" in r.headers["Access-Control-Expose-Headers"]
    assert r.headers["Vary"] == "Origin"
    r = await client.get("/status.json", headers={"Origin": "https://evil.example.com"})
    assert "Access-Control-Allow-Origin" not in r.headers
    r = await client.options(
        "/status.json",
        headers={
            "Origin": "https://status.example.org",
            "Access-Control-Request-Method": "GET",
        },
    )
    assert r.status == 204
    assert r.headers["Access-Control-Allow-Origin"] == "https://status.example.org"
    assert "GET" in r.headers["Access-Control-Allow-Methods"]
    r = await client.options("/status.json", headers={"Origin": "https://evil.example.com"})
    assert r.status == 204 and "Access-Control-Allow-Origin" not in r.headers
    r = await client.get("/api/channels", headers={"Origin": "https://status.example.org"})
    assert "Access-Control-Allow-Origin" not in r.headers


async def test_no_cors_by_default(client: TestClient) -> None:
    r = await client.get("/status.json", headers={"Origin": "https://status.example.org"})
    assert "Access-Control-Allow-Origin" not in r.headers


async def test_openapi_is_served(client: TestClient) -> None:
    r = await client.get("/openapi.json")
    spec = await r.json()
    assert spec["openapi"] == "3.0.3" and "/api/incidents" in spec["paths"]
    r = await client.get("/openapi.yaml")
    assert r.content_type == "application/yaml"
    assert (await r.text()).startswith("openapi: 3.0.3")
