"""``GET /api/stats`` and the dashboard page: who may read them, and what they say when the
conversations can't be read or are not kept in a database.

The numbers themselves are checked against real conversations in tests/test_stats.py; here
the tracker store is a hand-filled table (tests/tracker_rows.py) beside the demo store, on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tracker_rows import Trackers
from web_support import ClientFactory, Tokens, error_of

from bot.services import stats

MEMBER_ID = "VTB123456789"


@pytest.fixture
def trackers(tmp_path: Path) -> Iterator[Trackers]:
    filled = Trackers(f"sqlite:///{tmp_path / 'trackers.db'}")
    now = time.time()
    filled.turn(
        "secret-sender-1",
        "what's the pharmacy number",
        "ask_pharmacy_help",
        now,
        reply="For help with prescriptions, call the Vermont Blue Rx pharmacy line at "
        "(877) 493-1947.",
    )
    filled.turn(
        "secret-sender-2",
        f"renew my drivers license {MEMBER_ID}",
        "out_of_scope",
        now + 1,
        action="action_out_of_scope",
    )
    yield filled
    filled.dispose()


async def test_stats_need_a_token(make_client: ClientFactory, trackers: Trackers) -> None:
    client = await make_client(tracker_url=trackers.url)
    error = await error_of(await client.get("/api/stats"), 401)
    assert error["code"] == "unauthorized"


async def test_an_agent_reads_the_stats(
    make_client: ClientFactory,
    api_tokens: Tokens,
    trackers: Trackers,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = await make_client(tracker_url=trackers.url)
    with caplog.at_level(logging.DEBUG):
        response = await client.get("/api/stats", headers=api_tokens.as_agent)
        assert response.status == 200, await response.text()
        body = await response.json()
    assert response.headers["Cache-Control"] == "no-store"
    assert body["available"] is True and body["window"] == "incident"
    assert body["messages"] == 2 and body["fallback"] == {"messages": 1, "share": 0.5}
    assert [t["key"] for t in body["topics"]] == ["pharmacy", "out_of_scope"]
    assert body["unrecognised"][0]["text"] == "renew my drivers license <member_id>"
    assert body["channels"][0]["key"] == "vermont_blue_rx" and body["channels"][0]["offered"] == 1
    assert body["reply_seconds"]["timed"] == 2 and body["reply_seconds"]["median"] > 0
    shown = await response.text()
    assert MEMBER_ID not in shown and "secret-sender" not in shown
    for secret in (MEMBER_ID, "secret-sender", "renew my drivers"):  # nor what members typed
        assert secret not in caplog.text

    editor = await client.get("/api/stats?hours=6", headers=api_tokens.as_editor)
    assert editor.status == 200
    assert (await editor.json())["window"] == "hours"


async def test_hours_must_be_a_sensible_number(
    make_client: ClientFactory, api_tokens: Tokens, trackers: Trackers
) -> None:
    client = await make_client(tracker_url=trackers.url)
    for bad in ("0", "-3", "soon", str(24 * 365)):
        error = await error_of(
            await client.get(f"/api/stats?hours={bad}", headers=api_tokens.as_agent), 422
        )
        assert error["field"] == "hours"


@pytest.mark.parametrize(
    "tracker_url",
    ["postgresql://reader:s3cret@127.0.0.1:1/trackers", "sqlite:////nonexistent/trackers.db"],
)
async def test_an_unreadable_tracker_store_is_503_with_retry_after(
    make_client: ClientFactory,
    api_tokens: Tokens,
    tracker_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = await make_client(tracker_url=tracker_url)
    with caplog.at_level(logging.DEBUG):
        response = await client.get("/api/stats", headers=api_tokens.as_agent)
        error = await error_of(response, 503)
    assert response.headers["Retry-After"] == "5"
    assert "conversation store" in error["message"]
    assert "s3cret" not in error["message"] + caplog.text
    assert "127.0.0.1:1" not in error["message"]  # the database's address stays in the server


async def test_a_bad_tracker_url_is_a_500_that_does_not_echo_it(
    make_client: ClientFactory, api_tokens: Tokens
) -> None:
    client = await make_client(tracker_url="postgres ql://u:s3cret@host/db")
    error = await error_of(await client.get("/api/stats", headers=api_tokens.as_agent), 500)
    assert "s3cret" not in error["message"]


async def test_without_a_tracker_store_it_says_there_is_nothing_to_count(
    make_client: ClientFactory, api_tokens: Tokens
) -> None:
    """``make run`` keeps conversations in memory: a polite answer, not an error."""
    client = await make_client(tracker_url=None)
    response = await client.get("/api/stats", headers=api_tokens.as_agent)
    assert response.status == 200
    assert await response.json() == {"available": False, "message": stats.NO_TRACKER}


async def test_the_dashboard_page_and_its_files(make_client: ClientFactory) -> None:
    client = await make_client()
    page = await client.get("/dashboard")
    assert page.status == 200 and page.content_type == "text/html"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    html = await page.text()
    assert '<script src="/static/dashboard.js"' in html and "http" not in html.split("<body>")[1]
    script = await client.get("/static/dashboard.js")
    assert script.status == 200 and script.content_type == "application/javascript"
    code = await script.text()
    assert "/api/stats" in code and "innerHTML" not in code  # phrasings only ever as text
    style = await client.get("/static/dashboard.css")
    assert style.status == 200 and style.content_type == "text/css"
