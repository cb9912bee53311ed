"""The Statuspage-compatible views, on SQLite and PostgreSQL: /api/v2/summary.json has the
published shape (tests/fixtures/statuspage/), maps our statuses, shows only what
/status.json shows; /history.atom is valid Atom of the public timeline; both cache, answer
CORS and fall back to their last copy while the store is down, as /status.json does."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.exc import OperationalError
from web_support import ClientFactory, Tokens, error_of

from bot import scenario
from bot.clock import Clock
from bot.db import Store
from bot.models import CHANNEL_STATUSES, INCIDENT_STATUSES
from bot.services import channels, incidents
from bot.web import openapi, statuspage
from bot.web.app import init_app
from bot.web.config import WebConfig

OUTAGE = "nov-2023-phone-internet"
SUMMARY = "/api/v2/summary.json"
HISTORY = "/history.atom"
PATHS = (SUMMARY, HISTORY)
DEMO_CHANNELS: list[dict[str, Any]] = scenario.read(scenario.DEMO_SCENARIO)["channels"]
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "statuspage" / "summary.json"
NS = {"a": "http://www.w3.org/2005/Atom"}
#: Nothing listens on port 1: the database is down from the start.
DOWN_URL = "postgresql://postgres@127.0.0.1:1/test"

# Statuspage's enums (developer.statuspage.io; see the fixture's README), by path.
COMPONENT = {"operational", "degraded_performance", "partial_outage", "major_outage"}
COMPONENT_ANY = COMPONENT | {"under_maintenance"}
INCIDENT = {"investigating", "identified", "monitoring", "resolved", "postmortem"}
SCALE = {"none", "minor", "major", "critical"}
ENUMS = {
    "status.indicator": SCALE,
    "components[].status": COMPONENT_ANY,
    "incidents[].status": INCIDENT,
    "incidents[].impact": SCALE,
    "incidents[].components[].status": COMPONENT_ANY,
    "incidents[].incident_updates[].status": INCIDENT,
    "incidents[].incident_updates[].affected_components[].old_status": COMPONENT_ANY,
    "incidents[].incident_updates[].affected_components[].new_status": COMPONENT_ANY,
}
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    for kind, name in ((int, "integer"), (float, "number"), (str, "string"), (list, "array")):
        if isinstance(value, kind):
            return name
    return "object"


def mismatches(ours: Any, examples: list[Any], path: str = "") -> list[str]:
    """Where ``ours`` lacks a key the examples have (recursively), has a value of a type
    none of them has there, a time that isn't an aware ISO 8601 time, or a value outside
    Statuspage's enum. List items are checked against every example item of that list."""
    where = path or "."
    kinds = {_kind(e) for e in examples}
    if _kind(ours) not in kinds:
        return [f"{where}: {_kind(ours)} where the example has {sorted(kinds)}"]
    problems = []
    if path in ENUMS and ours not in ENUMS[path]:
        problems.append(f"{where}: {ours!r} is not one of {sorted(ENUMS[path])}")
    if isinstance(ours, str) and any(isinstance(e, str) and _TIME.match(e) for e in examples):
        try:
            aware = datetime.fromisoformat(ours.replace("Z", "+00:00")).tzinfo is not None
        except ValueError:
            aware = False
        if not aware:
            problems.append(f"{where}: {ours!r} is not an aware ISO 8601 time")
    if isinstance(ours, dict):
        shown = [e for e in examples if isinstance(e, dict)]
        for key in sorted({k for e in shown for k in e}):
            inner = f"{path}.{key}" if path else key
            if key not in ours:
                problems.append(f"{inner}: missing")
            else:
                problems += mismatches(ours[key], [e[key] for e in shown if key in e], inner)
    if isinstance(ours, list):
        items = [item for e in examples if isinstance(e, list) for item in e]
        for item in ours if items else []:
            problems += mismatches(item, items, f"{path}[]")
    return problems


async def summary(client: TestClient) -> dict[str, Any]:
    r = await client.get(SUMMARY)
    assert r.status == 200, await r.text()
    body: dict[str, Any] = await r.json()
    return body


async def feed(client: TestClient) -> ET.Element:
    r = await client.get(HISTORY)
    assert r.status == 200, await r.text()
    assert r.content_type == "application/atom+xml"
    return ET.fromstring(await r.read())


def entries(root: ET.Element) -> list[dict[str, Any]]:
    found = []
    for entry in root.findall("a:entry", NS):
        content = entry.find("a:content", NS)
        link = entry.find("a:link", NS)
        category = entry.find("a:category", NS)
        assert content is not None and link is not None and category is not None
        found.append(
            {
                "id": entry.findtext("a:id", namespaces=NS),
                "title": entry.findtext("a:title", namespaces=NS),
                "updated": entry.findtext("a:updated", namespaces=NS),
                "published": entry.findtext("a:published", namespaces=NS),
                "link": link.attrib,
                "status": category.get("term"),
                "content_type": content.get("type"),
                "content": content.text or "",
            }
        )
    return found


def components(doc: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["status"] for c in doc["components"]}


def set_all(store: Store, status: str) -> None:
    with store.begin("ops") as s:
        for item in DEMO_CHANNELS:
            channels.set_status(s, item["key"], status)


# --- the table and the rollup (no store) --------------------------------------------------------


def test_the_table_maps_every_status_we_store() -> None:
    assert set(statuspage.COMPONENTS) == set(CHANNEL_STATUSES)
    assert set(statuspage.INCIDENTS) == set(INCIDENT_STATUSES)
    assert statuspage.component_status("partial") == ("partial_outage", "major")
    assert statuspage.incident_status("something-new") == "investigating"
    schemas = openapi.load()["data"]["components"]["schemas"]
    mapped = {s for s, _ in statuspage.COMPONENTS.values()} | {statuspage.OTHER_COMPONENT[0]}
    assert mapped <= set(schemas["StatuspageComponentStatus"]["enum"]) <= COMPONENT
    assert set(schemas["StatuspageIndicator"]["enum"]) == SCALE == set(statuspage.INDICATORS)
    assert set(statuspage.INCIDENTS.values()) <= set(schemas["StatuspageIncidentStatus"]["enum"])


def test_the_rollup_is_the_worst_and_critical_only_when_all_are_down() -> None:
    assert statuspage.rollup([]) == "none"
    assert statuspage.rollup(["none", "none"]) == "none"
    assert statuspage.rollup(["none", "minor"]) == "minor"
    assert statuspage.rollup(["minor", "major"]) == "major"
    assert statuspage.rollup(["none", "critical"]) == "major"
    assert statuspage.rollup(["critical", "critical"]) == "critical"


def test_the_fixture_is_statuspage_s_own_shape() -> None:
    published = json.loads(FIXTURE.read_text())
    assert mismatches(published, [published]) == []  # its own enums and times hold
    assert set(published) == {"page", "components", "incidents", "scheduled_maintenances", "status"}


# --- /api/v2/summary.json -----------------------------------------------------------------------


async def test_the_summary_has_every_key_of_the_published_example(
    client: TestClient, store: Store
) -> None:
    published = json.loads(FIXTURE.read_text())
    doc = await summary(client)
    assert mismatches(doc, [published]) == []
    assert doc["page"]["time_zone"] == "America/New_York"
    assert doc["page"]["updated_at"] == "2023-11-28T15:00:00+00:00"
    assert doc["page"]["url"] == f"http://{client.host}:{client.port}/"
    assert doc["scheduled_maintenances"] == []
    assert [c["id"] for c in doc["components"]] == sorted(c["key"] for c in DEMO_CHANNELS)
    assert [c["position"] for c in doc["components"]] == list(range(1, len(DEMO_CHANNELS) + 1))
    [outage] = doc["incidents"]  # the Carelon one has not started at the demo moment
    assert outage["id"] == OUTAGE and outage["name"] == "Internet and phone service outage"
    assert (outage["status"], outage["impact"]) == ("identified", "major")
    assert outage["started_at"] == "2023-11-27T13:00:00+00:00"
    assert outage["shortlink"].endswith(f"/#incident-{OUTAGE}")
    assert [c["id"] for c in outage["components"]] == [  # in page order
        "member_phone",
        "prior_auth_portal",
        "provider_phone",
    ]
    # Newest first, as Statuspage lists them.
    posted = [u["created_at"] for u in outage["incident_updates"]]
    assert posted == ["2023-11-28T14:00:00+00:00", "2023-11-27T16:00:00+00:00"]
    assert doc["status"] == {"indicator": "major", "description": "Partial System Outage"}
    # A change shows in its updates' status and monitoring_at, from the audit trail.
    with store.begin("ops") as s:
        now = store.clock.now()
        incidents.update_incident(s, OUTAGE, {"status": "monitoring"}, now)
        incidents.post_update(s, OUTAGE, "A fix is in place; we are watching it.", now)
    doc = await summary(client)
    assert mismatches(doc, [published]) == []
    [outage] = doc["incidents"]
    assert outage["monitoring_at"] == "2023-11-28T15:00:00+00:00"
    statuses = [u["status"] for u in outage["incident_updates"]]
    assert statuses == ["monitoring", "identified", "identified"]


async def test_each_channel_status_maps_to_its_component_status(
    client: TestClient, store: Store
) -> None:
    expected = {"up": "operational", "degraded": "degraded_performance", "down": "major_outage"}
    assert set(expected) == set(CHANNEL_STATUSES)
    for status in CHANNEL_STATUSES:
        with store.begin("ops") as s:
            channels.set_status(s, "vermont_blue_rx", status, "as set by the test")
        assert components(await summary(client))["vermont_blue_rx"] == expected[status]


async def test_each_incident_status_maps_and_resolved_ones_leave_the_summary(
    client: TestClient, store: Store
) -> None:
    for status in ("investigating", "identified", "monitoring"):
        with store.begin("ops") as s:
            incidents.update_incident(s, OUTAGE, {"status": status}, store.clock.now())
        [outage] = (await summary(client))["incidents"]
        assert outage["status"] == status and outage["resolved_at"] is None
    with store.begin("ops") as s:
        incidents.resolve(s, OUTAGE, store.clock.now(), "All fixed.")
    assert (await summary(client))["incidents"] == []


async def test_the_indicator_rises_with_the_worst_component(
    client: TestClient, store: Store
) -> None:
    set_all(store, "up")
    doc = await summary(client)
    # While an incident runs the page is at least "minor", even with every channel up.
    assert doc["status"] == {"indicator": "minor", "description": "Minor Service Outage"}
    assert doc["incidents"][0]["impact"] == "minor"
    with store.begin("ops") as s:
        incidents.resolve(s, OUTAGE, store.clock.now())
    steps = [
        (None, "none", "All Systems Operational"),
        (("member_resource_center", "degraded"), "minor", "Minor Service Outage"),
        (("member_phone", "down"), "major", "Partial System Outage"),
    ]
    for change, indicator, description in steps:
        if change is not None:
            with store.begin("ops") as s:
                channels.set_status(s, *change)
        doc = await summary(client)
        assert doc["status"] == {"indicator": indicator, "description": description}, change
    assert set(components(doc).values()) == {
        "operational",
        "degraded_performance",
        "major_outage",
    }
    set_all(store, "down")
    doc = await summary(client)
    assert doc["status"] == {"indicator": "critical", "description": "Major System Outage"}
    assert set(components(doc).values()) == {"major_outage"}


# --- privacy and prose, both views --------------------------------------------------------------


async def test_private_channels_incidents_and_updates_never_appear(
    client: TestClient, store: Store, api_tokens: Tokens
) -> None:
    with store.begin("ops") as s:
        now = store.clock.now()
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
        incidents.update_incident(
            s,
            OUTAGE,
            {
                "internal_note": "SECRET-NOTE-1",
                "channels": ["member_phone", "provider_phone", "prior_auth_portal", "secret_line"],
            },
            now,
        )
        incidents.post_update(s, OUTAGE, "SECRET-UPDATE-2", now, public=False)
        incidents.post_update(s, OUTAGE, "FUTURE-UPDATE-6", now + timedelta(days=1))
        incidents.open_incident(
            s, {"key": "secret-incident", "title": "SECRET-INCIDENT-3", "public": False}, now
        )
        incidents.post_update(s, "secret-incident", "SECRET-UPDATE-5", now)
    for path in PATHS:
        text = await (await client.get(path)).text()
        for secret in (
            "SECRET-NOTE-1",
            "SECRET-UPDATE-2",
            "SECRET-INCIDENT-3",
            "SECRET-CHANNEL-4",
            "SECRET-UPDATE-5",
            "FUTURE-UPDATE-6",
            "802-555-0199",
        ):
            assert secret not in text, (path, secret)
        for private in ("internal_note", "secret_line", "secret-incident", "updated_by", "actor"):
            assert private not in text, (path, private)
        for token in (api_tokens.editor, api_tokens.agent, "dana-editor", "test-admin", "ops"):
            assert token not in text, (path, token)
        # Not started at the demo moment: not shown yet, nor its update.
        assert "carelon-rehab-apologies" not in text and "Apologies" not in text, path
    doc = await summary(client)
    assert "secret_line" not in components(doc)
    assert [c["id"] for c in doc["incidents"][0]["components"]] == [
        "member_phone",
        "prior_auth_portal",
        "provider_phone",
    ]


async def test_a_down_channel_s_number_is_stripped_from_incident_prose(
    client: TestClient, store: Store
) -> None:
    with store.begin("ops") as s:
        channels.set_status(s, "vermont_blue_rx", "down", "line cut")
    doc = await summary(client)
    bodies = [u["body"] for u in doc["incidents"][0]["incident_updates"]]
    assert any("Vermont Blue Rx (now unavailable)" in b for b in bodies)
    assert "(877) 493-1947" not in json.dumps(doc) and "493-1947" not in json.dumps(doc)
    assert any("(888) 620-1746" in b for b in bodies)  # the Part D line still works
    shown = [e["content"] for e in entries(await feed(client))]
    assert any("Vermont Blue Rx (now unavailable)" in c for c in shown)
    assert not any("493-1947" in c for c in shown)
    assert any("(888) 620-1746" in c for c in shown)


# --- /history.atom ----------------------------------------------------------------------------


async def test_the_feed_is_atom_with_one_entry_per_public_update_newest_first(
    client: TestClient, store: Store
) -> None:
    root = await feed(client)
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    feed_id = root.findtext("a:id", namespaces=NS) or ""
    assert feed_id.startswith("urn:uuid:")
    assert root.findtext("a:title", namespaces=NS)
    assert root.findtext("a:updated", namespaces=NS) == "2023-11-28T15:00:00+00:00"
    assert root.findtext("a:author/a:name", namespaces=NS)
    links = {link.get("rel"): link.attrib for link in root.findall("a:link", NS)}
    base = f"http://{client.host}:{client.port}"
    assert links["self"] == {"rel": "self", "type": "application/atom+xml", "href": base + HISTORY}
    assert links["alternate"]["href"] == base + "/"
    shown = entries(root)
    assert [e["published"] for e in shown] == [
        "2023-11-28T14:00:00+00:00",
        "2023-11-27T16:00:00+00:00",
    ]
    with store.begin("ops") as s:
        now = store.clock.now()
        incidents.post_update(s, OUTAGE, "Bring <b>a pen</b> & paper.", now - timedelta(minutes=30))
        incidents.post_update(
            s, OUTAGE, "Not for members.", now - timedelta(minutes=20), public=False
        )
        incidents.resolve(s, OUTAGE, now, "All fixed.")
    again = await client.get(HISTORY)
    raw = await again.text()
    shown = entries(ET.fromstring(raw))
    # Resolved incidents stay in the history; the private entry never shows.
    assert [e["published"] for e in shown] == [
        "2023-11-28T15:00:00+00:00",
        "2023-11-28T14:30:00+00:00",
        "2023-11-28T14:00:00+00:00",
        "2023-11-27T16:00:00+00:00",
    ]
    assert [e["status"] for e in shown] == ["resolved", "identified", "identified", "identified"]
    assert "Not for members." not in raw
    for entry in shown:
        assert entry["id"].startswith("urn:uuid:") and entry["title"] == (
            "Internet and phone service outage"
        )
        assert datetime.fromisoformat(entry["updated"]).tzinfo is not None
        assert entry["link"]["rel"] == "alternate"
        assert entry["link"]["href"] == f"{base}/#incident-{OUTAGE}"
        assert entry["content_type"] == "html" and entry["content"].startswith("<p>")
    assert len({e["id"] for e in shown}) == len(shown)
    assert shown[0]["content"] == "<p><strong>Resolved</strong> - All fixed.</p>"
    # type="html": the stored words are escaped as HTML inside the (XML-escaped) markup.
    assert "Bring &lt;b&gt;a pen&lt;/b&gt; &amp; paper." in shown[1]["content"]
    assert "<b>" not in raw and "&lt;b&gt;" not in raw
    # Ids are stable: the same update keeps its id on every read.
    assert [e["id"] for e in entries(await feed(client))] == [e["id"] for e in shown]


# --- caching, CORS, the store down: both views ------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
async def test_etag_and_conditional_requests(client: TestClient, store: Store, path: str) -> None:
    r = await client.get(path)
    etag = r.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    assert r.headers["Cache-Control"] == "public, max-age=15"
    assert r.headers["Last-Modified"] == "Tue, 28 Nov 2023 15:00:00 GMT"
    assert r.headers["Vary"] == "Origin"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    others = {(await client.get(p)).headers["ETag"] for p in ("/status.json", *PATHS) if p != path}
    assert etag not in others
    r = await client.get(path, headers={"If-None-Match": etag})
    assert r.status == 304 and await r.read() == b""
    assert r.headers["ETag"] == etag
    r = await client.get(path, headers={"If-None-Match": f'"other", W/{etag}'})
    assert r.status == 304
    r = await client.get(path, headers={"If-None-Match": '"stale"'})
    assert r.status == 200 and r.headers["ETag"] == etag
    r = await client.get(path, headers={"If-Modified-Since": "Tue, 28 Nov 2023 15:00:00 GMT"})
    assert r.status == 304
    r = await client.get(path, headers={"If-Modified-Since": "Tue, 28 Nov 2023 14:59:59 GMT"})
    assert r.status == 200
    with store.begin("ops") as s:  # the Part D line is named in the timeline, too
        channels.set_status(s, "part_d_line", "down", "line cut")
    r = await client.get(path, headers={"If-None-Match": etag})
    assert r.status == 200 and r.headers["ETag"] != etag


@pytest.mark.parametrize("path", PATHS)
async def test_etag_is_the_same_whatever_the_time_of_the_read(
    make_client: ClientFactory, store: Store, path: str
) -> None:
    first = await make_client()
    later = await make_client(clock=Clock.fixed(store.clock.now() + timedelta(minutes=5)))
    a, b = await first.get(path), await later.get(path)
    assert a.headers["ETag"] == b.headers["ETag"]


@pytest.mark.parametrize("path", PATHS)
async def test_cors_only_for_configured_origins(
    make_client: ClientFactory, store: Store, path: str
) -> None:
    client = await make_client(cors_origins=("https://status.example.org",))
    r = await client.get(path, headers={"Origin": "https://status.example.org"})
    assert r.headers["Access-Control-Allow-Origin"] == "https://status.example.org"
    assert "ETag" in r.headers["Access-Control-Expose-Headers"]
    assert r.headers["Vary"] == "Origin"
    r = await client.get(path, headers={"Origin": "https://evil.example.com"})
    assert r.status == 200 and "Access-Control-Allow-Origin" not in r.headers
    preflight = {"Origin": "https://status.example.org", "Access-Control-Request-Method": "GET"}
    r = await client.options(path, headers=preflight)
    assert r.status == 204
    assert r.headers["Access-Control-Allow-Origin"] == "https://status.example.org"
    assert "GET" in r.headers["Access-Control-Allow-Methods"]
    assert "If-None-Match" in r.headers["Access-Control-Allow-Headers"]
    r = await client.options(path, headers={"Origin": "https://evil.example.com"})
    assert r.status == 204 and "Access-Control-Allow-Origin" not in r.headers
    assert "Access-Control-Allow-Methods" not in r.headers


@pytest.mark.parametrize("path", PATHS)
async def test_no_cors_by_default(client: TestClient, path: str) -> None:
    r = await client.get(path, headers={"Origin": "https://status.example.org"})
    assert "Access-Control-Allow-Origin" not in r.headers


@pytest.mark.parametrize("path", PATHS)
async def test_a_store_never_read_is_503_with_retry_after(aiohttp_client: Any, path: str) -> None:
    demo = datetime.fromisoformat("2023-11-28T10:00:00-05:00")
    client = await aiohttp_client(
        init_app(WebConfig(database_url=DOWN_URL, clock=Clock.fixed(demo)))
    )
    r = await client.get(path)
    assert (await error_of(r, 503))["code"] == "unavailable"
    assert r.headers["Retry-After"] == "5" and r.headers["Cache-Control"] == "no-store"


async def test_while_the_store_is_down_both_serve_their_last_copy_marked_stale(
    make_client: ClientFactory, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [store.clock.now()]
    clock = Clock(zone=ZoneInfo("America/New_York"), source=lambda: now[0])
    client = await make_client(clock=clock, stale_status_max_age=600)
    fresh = await summary(client)
    fresh_feed = await (await client.get(HISTORY)).text()

    def down(*_args: Any) -> Any:
        raise OperationalError("select", {}, ConnectionRefusedError("the store is down"))

    monkeypatch.setattr(channels, "list_channels", down)
    now[0] += timedelta(minutes=9)
    r = await client.get(SUMMARY)
    stale = await r.json()
    assert r.status == 200 and "ETag" not in r.headers
    assert r.headers["Cache-Control"] == "no-store" and r.headers["Retry-After"] == "5"
    assert stale.pop("stale") is True
    assert stale.pop("checked_at") == "2023-11-28T15:00:00+00:00"
    assert stale == fresh
    r = await client.get(HISTORY)
    assert r.status == 200 and "ETag" not in r.headers
    assert r.headers["Cache-Control"] == "no-store" and r.headers["Retry-After"] == "5"
    root = ET.fromstring(await r.read())
    assert "can't be read right now" in (root.findtext("a:subtitle", namespaces=NS) or "")
    assert entries(root) == entries(ET.fromstring(fresh_feed))
    now[0] += timedelta(minutes=2)  # older than stale_status_max_age: not shown
    for path in PATHS:
        r = await client.get(path)
        assert (await error_of(r, 503))["code"] == "unavailable"
        assert r.headers["Retry-After"] == "5"
    monkeypatch.undo()  # back: fresh again, without a restart
    r = await client.get(SUMMARY)
    assert r.status == 200 and "stale" not in await r.json() and r.headers["ETag"]
