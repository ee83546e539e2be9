"""Must-hold 6: at 390×844 and 1440×900 nothing overflows horizontally and every control can be reached
(inside the viewport once scrolled to; at least 44 px on phones), with wide content in the chat."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from llm_router.testing.script import Behaviour
from tests.browser.conftest import DESKTOP, PHONE, Answers, PageFactory, screenshot
from tests.browser.helpers import assistant, menu_action, open_drawer_if_phone, send, wait_complete

pytestmark = pytest.mark.browser

WIDE_ANSWER = [
    "A very long word: " + "supercalifragilistic" * 12 + "\n\n",
    "A long link: https://example.org/" + "path/" * 40 + "\n\n",
    "```text\n" + "x = " + "0123456789" * 30 + "\n```\n\n",
    "| " + " | ".join(f"column {i}" for i in range(12)) + " |\n",
    "|" + "---|" * 12 + "\n",
    "| " + " | ".join(f"value {i}" for i in range(12)) + " |\n",
]

CONTROLS = "button:visible, input:visible, textarea:visible, select:visible"


def assert_no_horizontal_overflow(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.evaluate("document.body.scrollWidth <= window.innerWidth")
    chat = page.locator("#chat")
    assert chat.evaluate("el => el.scrollWidth <= el.clientWidth"), "the chat column scrolls sideways"


def assert_controls_reachable(page: Page, scope: str, phone: bool) -> None:
    width, height = page.viewport_size["width"], page.viewport_size["height"]  # type: ignore[index]
    controls = page.locator(scope).locator(CONTROLS).all()
    assert controls, f"no controls found in {scope}"
    for control in controls:
        control.scroll_into_view_if_needed()
        box = control.bounding_box()
        assert box is not None
        label = control.get_attribute("aria-label") or control.inner_text() or control.get_attribute("class")
        inside = 0 <= box["x"] <= box["x"] + box["width"] <= width + 0.5
        inside = inside and 0 <= box["y"] <= box["y"] + box["height"] <= height + 0.5
        assert inside, f"{label!r} is off-screen: {box}"
        if phone:
            assert min(box["height"], box["width"]) >= 44, f"{label!r} is too small to tap: {box}"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_nothing_overflows_and_every_control_is_reachable(
    pages: PageFactory, answers: Answers, viewport: dict[str, int]
) -> None:
    phone = viewport is PHONE
    answers.enqueue(Behaviour(chunks=WIDE_ANSWER))
    page = pages.new(viewport)
    send(page, "show me wide things " + "w" * 150)
    wait_complete(assistant(page))
    menu_action(assistant(page), "details")
    name = "phone" if phone else "desktop"
    screenshot(page, f"06-wide-{name}")

    assert_no_horizontal_overflow(page)
    assert_controls_reachable(page, ".main", phone)

    open_drawer_if_phone(page)
    expect(page.locator("#sidebar")).to_be_in_viewport()
    assert_controls_reachable(page, "#sidebar", phone)
    assert_no_horizontal_overflow(page)
    screenshot(page, f"06-drawer-{name}")
    if phone:
        page.locator(".scrim").click(position={"x": 370, "y": 400})
        expect(page.locator("#sidebar")).not_to_be_in_viewport()

    page.get_by_role("button", name="settings").click()
    expect(page.get_by_role("dialog", name="settings")).to_be_visible()
    assert_controls_reachable(page, ".settings", phone)
    assert_no_horizontal_overflow(page)
    screenshot(page, f"06-settings-{name}")
    page.get_by_role("dialog", name="settings").get_by_role("button", name="close").click()

    # the app starts in the system's scheme (Playwright's default is light); a pick is remembered
    system = page.locator("html").get_attribute("data-theme")
    picked = "dark" if system == "light" else "light"
    page.get_by_role("button", name="toggle light/dark theme").click()
    expect(page.locator("html")).to_have_attribute("data-theme", picked)
    screenshot(page, f"06-{picked}-{name}")
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-theme", picked)  # remembered


def test_two_panes_from_1024_and_a_drawer_below(pages: PageFactory) -> None:
    wide = pages.new({"width": 1024, "height": 768})
    expect(wide.locator("#sidebar")).to_be_in_viewport()
    expect(wide.get_by_role("button", name="conversations")).to_be_hidden()
    narrow = pages.new({"width": 1023, "height": 768})
    expect(narrow.locator("#sidebar")).not_to_be_in_viewport()
    expect(narrow.get_by_role("button", name="conversations")).to_be_visible()
    small = pages.new({"width": 360, "height": 640})
    assert_no_horizontal_overflow(small)
    expect(small.get_by_role("button", name="send")).to_be_in_viewport()
