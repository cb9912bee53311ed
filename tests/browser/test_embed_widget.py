"""The embeddable chat widget on a host page (/embed) in headless Chromium (Debian's).

The whole stack runs for real (fixtures in conftest.py). The host page's only tie to the
assistant is ``<script src="/static/widget.js" defer>``. Checked: keyboard-only use, the
typing indicator and timestamps, tel: links only for working channels (from /status.json),
the can't-be-reached message (a reply that never comes, Rasa killed, /status.json gone too),
the English/Español switch, and axe-core (tests/browser/vendor/, MPL-2.0) finding no WCAG
2.0/2.1 A/AA violation closed, open and in error, on a desktop, at 390 px and at 200 % zoom.
Screenshots go to reports/browser/embed-*.png, axe's findings to reports/browser/axe-*.json.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from browser_support import SHOTS, Stack, browser, expect, stack  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WEBHOOK = "**/webhooks/rest/webhook"
PHARMACY = "what is the pharmacy phone number?"
PHARMACY_LINK = 'a[href="tel:+18774931947"]'
PART_D_LINK = 'a[href="tel:+18886201746"]'
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}}
#: 1280 x 800 at 200 % zoom: half as many CSS pixels, each drawn twice as large.
ZOOM_200 = {"viewport": {"width": 640, "height": 400}, "device_scale_factor": 2}


#: What the page's CSP refused, by page: the widget must need nothing it forbids.
REFUSED: dict[Any, list[str]] = {}


@contextmanager
def embed_page(stack: Stack, browser: Any, **options: Any) -> Iterator[Any]:
    """/embed in a fresh context (its own storage), with axe-core loaded before any script
    (not subject to the page's CSP) and every CSP violation recorded."""
    context = browser.new_context(**options)
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    refused = REFUSED.setdefault(page, [])
    page.on("console", lambda m: "Content Security Policy" in m.text and refused.append(m.text))
    try:
        page.goto(f"{stack.ops_url}/embed")
        expect(page.locator("#pcw-launcher")).to_be_visible(timeout=30000)
        yield page
        assert refused == [], refused
    finally:
        REFUSED.pop(page, None)
        context.close()


def shot(page: Any, name: str) -> None:
    page.screenshot(path=SHOTS / f"embed-{name}.png")


def no_axe_violations(page: Any, name: str) -> None:
    refused_before = len(REFUSED[page])
    violations = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {
                runOnly: { type: "tag", values: tags }, resultTypes: ["violations"],
            });
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => ({ target: n.target, summary: n.failureSummary })),
            }));
        }""",
        AXE_TAGS,
    )
    page.wait_for_timeout(200)
    del REFUSED[page][refused_before:]  # axe's own inline styles, not the widget's
    (SHOTS / f"axe-{name}.json").write_text(json.dumps(violations, indent=2))
    assert violations == [], f"axe ({name}): {json.dumps(violations, indent=2)}"


def focused(page: Any) -> str | None:
    """The id (or tag) of the focused element, inside the widget's shadow root too."""
    return page.evaluate(
        """() => {
            let e = document.activeElement;
            while (e && e.shadowRoot && e.shadowRoot.activeElement) e = e.shadowRoot.activeElement;
            return e ? (e.id || e.tagName.toLowerCase()) : null;
        }"""
    )


def tab_to(page: Any, element_id: str) -> None:
    for _ in range(20):
        page.keyboard.press("Tab")
        if focused(page) == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id} (stopped at {focused(page)})")


def bot_texts(page: Any) -> list[str]:
    return page.locator("#chat-log li.bot .bubble").all_inner_texts()


def ask(page: Any, text: str) -> str:
    before = len(bot_texts(page))
    page.fill("#chat-input", text)
    page.keyboard.press("Enter")
    page.locator("#chat-log li.bot").nth(before).wait_for(timeout=60000)
    page.wait_for_timeout(300)
    return " ".join(bot_texts(page)[before:])


def open_by_keyboard(page: Any) -> None:
    tab_to(page, "pcw-launcher")
    page.keyboard.press("Enter")
    expect(page.locator("#pcw-panel")).to_be_visible()
    assert focused(page) == "chat-input"


def wait_for_greeting(page: Any) -> None:
    page.locator("#chat-log li.bot").first.wait_for(timeout=60000)


def style(page: Any, selector: str, prop: str) -> str:
    return page.locator(selector).evaluate(f"e => getComputedStyle(e)[{prop!r}]")


def test_open_by_keyboard_ask_and_get_a_tel_link(stack: Stack, browser: Any) -> None:
    with embed_page(stack, browser, **DESKTOP) as page:
        # The host page styles bare buttons and headings its own way; none of it reaches in.
        assert style(page, "main button", "textTransform") == "uppercase"
        assert style(page, "#pcw-launcher", "textTransform") == "none"
        assert "Georgia" not in style(page, "#pcw-launcher", "fontFamily")
        assert page.locator("#pcw-panel").is_hidden()
        shot(page, "01-closed")
        no_axe_violations(page, "desktop-closed")

        tab_to(page, "pcw-launcher")
        assert style(page, "#pcw-launcher", "outlineStyle") == "solid"  # visible focus
        page.keyboard.press("Enter")
        panel = page.locator("#pcw-panel")
        expect(panel).to_be_visible()
        assert panel.get_attribute("role") == "dialog"
        assert panel.get_attribute("aria-modal") == "false"  # the page beside it stays usable
        assert page.get_by_role("dialog", name="Plan Assistant").count() == 1
        assert focused(page) == "chat-input"
        assert page.locator("#chat-log").get_attribute("aria-live") == "polite"
        wait_for_greeting(page)
        assert "Heads-up: Internet and phone service outage" in bot_texts(page)[0]
        assert page.locator("#chat-log li.bot time[datetime]").count() == 1
        assert "Internet and phone service outage" in page.inner_text("#status-banner")
        shot(page, "02-open-greeting")

        # The typing indicator shows while the reply is on its way (held here for a moment).
        held: list[Any] = []
        page.route(WEBHOOK, lambda route: held.append(route))
        page.fill("#chat-input", PHARMACY)
        page.keyboard.press("Enter")
        expect(page.locator("#pcw-typing")).to_be_visible()
        while not held:
            page.wait_for_timeout(50)
        assert "Plan Assistant is typing" in page.inner_text("#pcw-typing")
        shot(page, "03-typing")
        held[0].continue_()
        page.locator("#chat-log li.bot").nth(1).wait_for(timeout=60000)
        page.unroute(WEBHOOK)
        expect(page.locator("#pcw-typing")).to_be_hidden()
        reply = bot_texts(page)[1]
        assert "(877) 493-1947" in reply
        link = page.locator(f"#chat-log li.bot {PHARMACY_LINK}")
        expect(link).to_have_count(1)
        assert link.inner_text() == "(877) 493-1947"
        # A member's own words are never turned into links.
        assert page.locator("#chat-log li.me a").count() == 0
        assert page.locator("#chat-log li.me time[datetime]").count() == 1
        assert style(page, "#send", "textTransform") == "none"
        shot(page, "04-pharmacy-tel-link")
        no_axe_violations(page, "desktop-open")

        # Escape minimises (focus on the restore button), Enter restores, close goes back to
        # the launcher, and the conversation is still there when it opens again.
        page.keyboard.press("Escape")
        expect(page.locator("#pcw-body")).to_be_hidden()
        assert focused(page) == "pcw-minimise"
        assert page.get_attribute("#pcw-minimise", "aria-label") == "Restore chat"
        assert page.get_attribute("#pcw-minimise", "aria-expanded") == "false"
        shot(page, "05-minimised")
        page.keyboard.press("Enter")
        expect(page.locator("#pcw-body")).to_be_visible()
        assert focused(page) == "chat-input"
        page.focus("#pcw-close")
        page.keyboard.press("Enter")
        expect(page.locator("#pcw-panel")).to_be_hidden()
        assert focused(page) == "pcw-launcher"
        page.keyboard.press("Enter")
        assert focused(page) == "chat-input"
        assert len(bot_texts(page)) == 2


def test_espanol_switches_the_labels_and_the_answers(stack: Stack, browser: Any) -> None:
    with embed_page(stack, browser, **DESKTOP) as page:
        open_by_keyboard(page)
        wait_for_greeting(page)
        page.focus("button[data-lang='es']")
        page.keyboard.press("Enter")
        assert page.get_attribute("button[data-lang='es']", "aria-pressed") == "true"
        assert page.locator(".pcw").get_attribute("lang") == "es"
        assert page.inner_text("label[for='chat-input']") == "Su mensaje"
        assert page.inner_text("#send") == "Enviar"
        assert page.inner_text("#start-over") == "Empezar de nuevo"
        assert page.get_attribute("#pcw-close", "aria-label") == "Cerrar el chat"
        assert page.get_attribute("#pcw-minimise", "aria-label") == "Minimizar el chat"
        assert page.get_attribute("#chat-log", "aria-label") == "Conversación"
        assert page.get_attribute(".langs", "aria-label") == "Idioma"
        assert page.inner_text("#pcw-ways summary") == "Cómo comunicarse con nosotros ahora"
        with page.expect_request(lambda r: r.url.endswith("/webhooks/rest/webhook")) as sent:
            reply = ask(page, PHARMACY)
        assert sent.value.post_data_json["metadata"] == {"language": "es"}
        assert "(877) 493-1947" in reply and "Verificado" in reply
        assert page.locator("#chat-log li.bot .bubble").last.get_attribute("lang") == "es"
        assert page.locator("#chat-log li.me .who").last.inner_text() == "Usted"
        shot(page, "06-espanol")
        no_axe_violations(page, "desktop-open-es")

        page.keyboard.press("Escape")
        assert page.get_attribute("#pcw-minimise", "aria-label") == "Restaurar el chat"
        page.focus("#pcw-close")
        page.keyboard.press("Enter")
        assert page.inner_text("#pcw-launcher") == "Chatee con nosotros"

        page.reload()  # the choice is kept
        expect(page.locator("#pcw-launcher")).to_have_text("Chatee con nosotros")
        page.click("#pcw-launcher")
        page.click("button[data-lang='en']")
        assert page.inner_text("#send") == "Send"
        assert page.get_attribute("#pcw-close", "aria-label") == "Close chat"
        with page.expect_request(lambda r: r.url.endswith("/webhooks/rest/webhook")) as sent:
            ask(page, "hi")
        assert sent.value.post_data_json["metadata"] == {"language": "en"}


def test_writing_in_spanish_turns_the_panel_to_spanish(stack: Stack, browser: Any) -> None:
    with embed_page(stack, browser, **DESKTOP) as page:
        open_by_keyboard(page)
        wait_for_greeting(page)
        with page.expect_request(lambda r: r.url.endswith("/webhooks/rest/webhook")) as sent:
            reply = ask(page, "necesito surtir mi receta, ¿a qué número llamo?")
        assert sent.value.post_data_json["metadata"] == {}  # no choice made: the words decide
        assert "(877) 493-1947" in reply
        assert page.locator("#chat-log li.bot .bubble").last.get_attribute("lang") == "es"
        expect(page.locator("#send")).to_have_text("Enviar")
        assert page.locator(".pcw").get_attribute("lang") == "es"
        link = page.locator("#chat-log li.bot .bubble a[href^='tel:']").last
        assert link.get_attribute("href") == "tel:+18774931947"
        no_axe_violations(page, "desktop-written-es")


def test_a_line_that_goes_down_is_no_longer_a_link(stack: Stack, browser: Any) -> None:
    with embed_page(stack, browser, **DESKTOP) as page:
        open_by_keyboard(page)
        wait_for_greeting(page)
        ask(page, PHARMACY)
        expect(page.locator(PHARMACY_LINK)).to_have_count(2)  # in the answer, in the list
        stack.api(
            "POST",
            "/api/channels/vermont_blue_rx/status",
            {"status": "down", "note": "Vendor phone outage"},
        )
        reply = ask(page, PHARMACY)
        assert "493-1947" not in reply and "Member Resource Center" in reply
        # Nowhere a link now: not in the new answer, the earlier one, or the list.
        expect(page.locator(PHARMACY_LINK)).to_have_count(0)
        assert "(877) 493-1947" in bot_texts(page)[1]  # the earlier words, as plain text
        page.click("#pcw-ways summary")
        items = page.locator("#pcw-channels li")
        pharmacy = items.filter(has_text="Vermont Blue Rx pharmacy line")
        assert "not available right now" in pharmacy.inner_text()
        assert "493-1947" not in pharmacy.inner_text() and pharmacy.locator("a").count() == 0
        part_d = items.filter(has_text="Medicare Part D line")
        assert part_d.locator(PART_D_LINK).inner_text() == "(888) 620-1746"
        shot(page, "07-pharmacy-line-down")


def test_a_reply_that_never_comes_gets_the_working_channels(stack: Stack, browser: Any) -> None:
    with embed_page(stack, browser, **DESKTOP) as page:
        open_by_keyboard(page)
        wait_for_greeting(page)
        page.route(WEBHOOK, lambda route: None)  # never answered
        page.fill("#chat-input", "can I get my prescription filled?")
        started = time.monotonic()
        page.keyboard.press("Enter")
        box = page.locator("#pcw-unreachable")
        expect(box).to_be_visible(timeout=30000)
        waited = time.monotonic() - started
        assert 13 < waited < 25, waited  # the widget gives up after about 15 seconds
        assert box.get_attribute("role") == "alert"
        assert "can't be reached right now" in box.inner_text()
        assert box.locator(PART_D_LINK).count() == 1
        assert box.locator(PHARMACY_LINK).count() == 0  # down since the test before
        assert "If this is a medical emergency, call 911." in box.inner_text()
        expect(page.locator("#pcw-typing")).to_be_hidden()
        shot(page, "08-timed-out")
        no_axe_violations(page, "desktop-error")

        page.unroute(WEBHOOK)
        page.click("#pcw-retry")
        page.locator("#chat-log li.bot").nth(1).wait_for(timeout=60000)
        expect(box).to_be_hidden()


@pytest.mark.parametrize(("size", "options"), [("390px", PHONE), ("zoom200", ZOOM_200)])
def test_small_screens_and_zoom(stack: Stack, browser: Any, size: str, options: Any) -> None:
    with embed_page(stack, browser, **options) as page:
        width = options["viewport"]["width"]
        shot(page, f"09-{size}-closed")
        no_axe_violations(page, f"{size}-closed")
        open_by_keyboard(page)
        wait_for_greeting(page)
        box = page.locator("#pcw-panel").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        send = page.locator("#send").bounding_box()
        assert send is not None and send["x"] + send["width"] <= width
        # The panel covers the whole window: it is modal, and Tab goes round inside it.
        assert page.get_attribute("#pcw-panel", "aria-modal") == "true"
        page.focus("#start-over")
        page.keyboard.press("Tab")
        assert focused(page) == "pcw-lang-en"
        page.keyboard.press("Shift+Tab")
        assert focused(page) == "start-over"
        ask(page, "what is the medicare part d number?")
        shot(page, f"10-{size}-open")
        no_axe_violations(page, f"{size}-open")
        page.route(WEBHOOK, lambda route: route.abort())
        page.fill("#chat-input", "hello?")
        page.keyboard.press("Enter")
        expect(page.locator("#pcw-unreachable")).to_be_visible(timeout=30000)
        page.locator("#pcw-unreachable").scroll_into_view_if_needed()
        shot(page, f"11-{size}-error")
        no_axe_violations(page, f"{size}-error")


def test_with_the_assistant_killed_it_lists_the_working_channels(
    stack: Stack, browser: Any
) -> None:
    """Last in this module: it kills this module's Rasa server."""
    rasa = stack.assistant.processes[1]
    rasa.kill()
    rasa.wait(timeout=30)
    with embed_page(stack, browser, **DESKTOP) as page:
        open_by_keyboard(page)
        box = page.locator("#pcw-unreachable")
        expect(box).to_be_visible(timeout=30000)  # even the greeting got no answer
        page.fill("#chat-input", PHARMACY)
        page.keyboard.press("Enter")
        expect(page.locator("#chat-log li.me")).to_have_count(1)
        expect(box).to_be_visible(timeout=30000)
        text = box.inner_text()
        assert "can't be reached right now" in text and "Medicare Part D line" in text
        assert box.locator(PART_D_LINK).inner_text() == "(888) 620-1746"
        assert box.locator(PHARMACY_LINK).count() == 0 and "493-1947" not in text
        assert "Vermont Health Connect website" not in text  # down: not listed
        shot(page, "12-assistant-down")
        no_axe_violations(page, "desktop-assistant-down")

        # /status.json gone too: the fixed last-resort line, and no links at all.
        page.route("**/status.json*", lambda route: route.abort())
        page.click("#pcw-retry")
        expect(box.locator(".last-resort")).to_be_visible(timeout=30000)
        assert box.locator(".last-resort").inner_text() == (
            "If this is a medical emergency, call 911. Otherwise, call the number on the back "
            "of your member ID card."
        )
        assert page.locator("#pcw-panel a").count() == 0
        shot(page, "13-status-down-too")
        no_axe_violations(page, "desktop-status-down")
