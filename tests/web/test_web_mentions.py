"""The HTTP side of "text that names a channel follows the channel", on SQLite and PostgreSQL:
each channel of the demo down in turn, a timeline update or working note calling it working is
refused with a 422 naming it, and /status.json never shows its contact."""

from __future__ import annotations

import json
import re
from typing import Any

from aiohttp.test_utils import TestClient
from web_support import FakeMonotonic, Tokens, error_of

from bot import scenario
from bot.db import Store
from bot.services import incidents

OUTAGE = "nov-2023-phone-internet"
DEMO_CHANNELS: list[dict[str, Any]] = scenario.read(scenario.DEMO_SCENARIO)["channels"]


def claims(item: dict[str, Any]) -> list[str]:
    """Ways to say a channel works: by name, and by its number or web address."""
    said = [f"The {item['name']} is working.", f"You can still use the {item['name']}."]
    if re.search(r"\d{3}.?\d{4}|\.\w{2,}\b", item["contact"]):
        said.append(f"You can call or visit {item['contact']} now.")
    return said


async def _set_status(client: TestClient, tokens: Tokens, key: str, status: str) -> None:
    r = await client.post(
        f"/api/channels/{key}/status", json={"status": status}, headers=tokens.as_editor
    )
    assert r.status == 200, await r.text()


async def test_a_working_claim_about_each_down_channel_is_refused(
    client: TestClient, api_tokens: Tokens, store: Store, monotonic: FakeMonotonic
) -> None:
    with store.read() as s:
        before = len(incidents.get_incident(s, OUTAGE).updates)
    for item in DEMO_CHANNELS:
        key = item["key"]
        monotonic.advance(61)  # a fresh write allowance for each channel
        await _set_status(client, api_tokens, key, "down")
        for said in claims(item):
            r = await client.post(
                f"/api/incidents/{OUTAGE}/updates",
                json={"body": said},
                headers=api_tokens.as_editor,
            )
            error = await error_of(r, 422)
            assert error["field"] == "body" and key in error["message"], (said, error)
            r = await client.patch(
                f"/api/incidents/{OUTAGE}",
                json={"working_note": said},
                headers=api_tokens.as_editor,
            )
            error = await error_of(r, 422)
            assert error["field"] == "working_note" and key in error["message"], (said, error)
        await _set_status(client, api_tokens, key, item.get("status", "up"))
    with store.read() as s:
        outage = incidents.get_incident(s, OUTAGE)
        assert len(outage.updates) == before
        assert outage.working_note is not None and "Vermont Blue Rx" in outage.working_note


async def test_the_same_claim_is_accepted_while_the_channel_works(
    client: TestClient, api_tokens: Tokens
) -> None:
    said = "Vermont Blue Rx (877) 493-1947 is working."
    r = await client.post(
        f"/api/incidents/{OUTAGE}/updates", json={"body": said}, headers=api_tokens.as_editor
    )
    assert r.status == 201, await r.text()
    assert (await r.json())["body"] == said  # editors get the stored words back


async def test_status_json_never_shows_the_contact_of_a_down_channel(
    client: TestClient, api_tokens: Tokens, monotonic: FakeMonotonic
) -> None:
    for item in DEMO_CHANNELS:
        key = item["key"]
        monotonic.advance(61)
        await _set_status(client, api_tokens, key, "down")
        r = await client.get("/status.json")
        assert r.status == 200
        shown = json.dumps(await r.json())
        digits = re.sub(r"\D", "", item["contact"])
        if len(digits) == 10:
            number = rf"\(?{digits[:3]}\)?[\s.-]?{digits[3:6]}[\s.-]?{digits[6:]}"
            assert not re.search(number, shown), key
        assert item["contact"].lower() not in shown.lower(), key
        if key == "vermont_blue_rx":
            assert "Vermont Blue Rx (now unavailable)" in shown
        await _set_status(client, api_tokens, key, item.get("status", "up"))
