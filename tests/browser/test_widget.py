"""The member widget and the agent page in headless Chromium (Debian's, driven by Playwright).

The whole stack runs for real: live store, action server, Rasa server, operations service.
Screenshots of every step go to reports/browser/ for a person to look at.
"""

from __future__ import annotations

import pytest
from browser_support import SHOTS, Stack, browser, expect, stack  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow


def _bot_texts(page) -> list[str]:
    return page.locator("#chat-log li.bot .bubble").all_inner_texts()


def _ask(page, text: str) -> str:
    before = len(_bot_texts(page))
    page.fill("#chat-input", text)
    page.keyboard.press("Enter")
    # Locator waits run in Playwright's isolated world: the page's CSP forbids eval.
    page.locator("#chat-log li.bot").nth(before).wait_for(timeout=60000)
    page.wait_for_timeout(300)
    return " ".join(_bot_texts(page)[before:])


def test_member_widget_end_to_end(stack: Stack, browser) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    page = context.new_page()
    page.goto(f"{stack.ops_url}/chat")
    page.wait_for_selector("#chat-log li.bot", timeout=60000)
    banner = page.locator("#status-banner")
    assert banner.is_visible() and "Internet and phone service outage" in banner.inner_text()
    assert "Heads-up: Internet and phone service outage" in _bot_texts(page)[0]
    page.screenshot(path=SHOTS / "01-greeting-with-banner.png", full_page=True)

    assert "(877) 493-1947" in _ask(page, "what is the pharmacy phone number?")
    page.screenshot(path=SHOTS / "02-pharmacy-number.png", full_page=True)

    stack.api(
        "POST",
        "/api/channels/vermont_blue_rx/status",
        {"status": "down", "note": "Vendor phone outage"},
    )
    reply = _ask(page, "what is the pharmacy phone number?")
    assert "493-1947" not in reply and "Member Resource Center" in reply
    page.screenshot(path=SHOTS / "03-pharmacy-line-down.png", full_page=True)

    # A reload keeps the conversation (same session id).
    count = page.locator("#chat-log li").count()
    page.reload()
    page.wait_for_selector("#chat-log li.bot")
    assert page.locator("#chat-log li").count() == count
    page.screenshot(path=SHOTS / "04-after-reload.png", full_page=True)

    # Buttons render and work with the keyboard only.
    reply = _ask(page, "I need a prior authorization")
    assert "What is the prior authorization for?" in reply
    button = page.get_by_role("button", name="Something else")
    button.focus()
    page.keyboard.press("Enter")
    page.get_by_text("date of the service").wait_for(timeout=60000)
    page.screenshot(path=SHOTS / "05-buttons.png", full_page=True)

    # Start over resets the conversation.
    page.click("#start-over")
    expect(page.locator("#chat-log li")).to_have_count(1, timeout=60000)
    page.screenshot(path=SHOTS / "06-start-over.png", full_page=True)
    context.close()


def test_bot_text_is_escaped(stack: Stack, browser) -> None:
    stack.api(
        "POST",
        "/api/channels/part_d_line/status",
        {"status": "down", "note": "<script>window.pwned=1</script><b>bold</b>"},
    )
    page = browser.new_page()
    page.goto(f"{stack.ops_url}/chat")
    page.wait_for_selector("#chat-log li.bot")
    reply = _ask(page, "I have medicare part d and need help")
    assert "<script>window.pwned=1</script>" in reply
    assert page.evaluate("() => window.pwned") is None
    assert page.locator("#chat-log script, #chat-log b").count() == 0
    page.screenshot(path=SHOTS / "07-escaped-text.png", full_page=True)
    page.close()


def test_banner_follows_the_incident(stack: Stack, browser) -> None:
    page = browser.new_page()
    page.goto(f"{stack.ops_url}/chat")
    page.wait_for_selector("#status-banner:not([hidden])")
    stack.api(
        "POST",
        "/api/incidents/nov-2023-phone-internet/resolve",
        {"note": "Phones and internet are back."},
    )
    page.reload()
    page.wait_for_selector("#chat-log li.bot")
    page.wait_for_timeout(500)
    assert page.locator("#status-banner").is_hidden()
    page.screenshot(path=SHOTS / "08-banner-gone.png", full_page=True)
    page.close()


def test_agent_page_shows_intent_and_routing(stack: Stack, browser) -> None:
    page = browser.new_page()
    page.goto(f"{stack.ops_url}/agent")
    page.fill("#token", stack.agent)
    page.keyboard.press("Enter")
    page.fill("#said", "caller asks what number to call for her prescriptions")
    page.click("#lookup")
    page.wait_for_selector("#result:not([hidden])", timeout=60000)
    assert page.inner_text("#intent") == "ask_pharmacy_help"
    rows = page.locator("#routing tbody tr").all_inner_texts()
    assert any("Vermont Blue Rx" in r for r in rows)
    assert "Member Resource Center" in page.inner_text("#answer")
    page.screenshot(path=SHOTS / "09-agent-lookup.png", full_page=True)
    page.close()
