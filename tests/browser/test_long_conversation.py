"""A 500-message conversation opens at its newest page, scrolled to the bottom; scrolling up loads
earlier pages (a visible "loading earlier messages…" state) without moving what is on screen, until the
first message; a search hit deep in the path opens the page around it and scrolling down reaches the end.
The conversation is written straight into the database (sending 500 messages would take minutes)."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, Route, expect

from llm_router.services.chat.conversations import DEFAULT_PAGE_SIZE
from llm_router.testing import FakeProvider
from llm_router.testing.script import Behaviour
from tests.browser.conftest import DESKTOP, PHONE, PageFactory, screenshot
from tests.browser.helpers import assistant, open_drawer_if_phone, send, wait_complete
from tests.support.long_conversations import SeededConversation, seed_conversation
from tests.support.server import LiveServer
from tests.support.waiting import wait_until

pytestmark = pytest.mark.browser

LENGTH = 500
MAX_SHOWN = 300  # ui/chat.ts: messages kept in the DOM at most
SIZES = [pytest.param(PHONE, id="phone"), pytest.param(DESKTOP, id="desktop")]
EARLIER_PAGE = re.compile(r".*/api/conversations/[0-9a-f]{32}\?before=[0-9a-f]{32}$")


@pytest.fixture
def seeded(app_server: LiveServer, database_url: str) -> SeededConversation:
    """Before ``pages``: Playwright's loop would keep ``asyncio.run`` from seeding."""
    return seed_conversation(database_url, LENGTH, branch_every=40, title="A very long chat")


def shown_texts(page: Page) -> list[str]:
    return page.locator("article.msg .msg-body").all_inner_texts()


def top_of(page: Page, message_id: str) -> float:
    """The message's distance from the top of the chat's viewport (px)."""
    return float(
        page.evaluate(
            """id => document.querySelector(`[data-message-id="${id}"]`).getBoundingClientRect().top
                    - document.getElementById("chat").getBoundingClientRect().top""",
            message_id,
        )
    )


def scroll_to_top_and_measure(page: Page, message_id: str) -> float:
    """Scrolls the chat to its top and, in the same task (before any page can arrive), says where
    ``message_id`` is."""
    return float(
        page.evaluate(
            """id => { const chat = document.getElementById("chat"); chat.scrollTop = 0;
                       return document.querySelector(`[data-message-id="${id}"]`).getBoundingClientRect().top
                              - chat.getBoundingClientRect().top; }""",
            message_id,
        )
    )


def at_bottom(page: Page) -> bool:
    return bool(
        page.evaluate(
            """() => { const c = document.getElementById("chat");
                       return c.scrollHeight - c.scrollTop - c.clientHeight < 2; }"""
        )
    )


@pytest.mark.parametrize("viewport", SIZES)
def test_opens_at_the_newest_and_scrolling_up_reaches_the_first_message(
    seeded: SeededConversation, pages: PageFactory, viewport: dict[str, int]
) -> None:
    name = "phone" if viewport is PHONE else "desktop"
    page = pages.new(viewport, path=f"/#/c/{seeded.id}")
    messages = page.locator("article.msg")
    expect(messages).to_have_count(DEFAULT_PAGE_SIZE)
    expect(messages.last.locator(".msg-body")).to_have_text(f"message {LENGTH - 1}")
    expect(messages.last).to_be_in_viewport()
    assert at_bottom(page)
    assert shown_texts(page) == [f"message {i}" for i in range(LENGTH - DEFAULT_PAGE_SIZE, LENGTH)]
    screenshot(page, f"long-01-opened-{name}")

    # Hold the first earlier page to see the loading state, then let it through.
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    page.route(EARLIER_PAGE, hold)
    first_id = seeded.path[LENGTH - DEFAULT_PAGE_SIZE]
    page.evaluate("document.getElementById('chat').scrollTop = 0")
    loader = page.locator(".page-loader.earlier")
    expect(loader).to_have_text("loading earlier messages…")
    expect(loader).to_have_attribute("aria-busy", "true")
    expect(loader).to_be_in_viewport()
    screenshot(page, f"long-02-loading-earlier-{name}")
    before = top_of(page, first_id)
    assert len(held) == 1
    held[0].continue_()
    page.unroute(EARLIER_PAGE, hold)
    expect(messages).to_have_count(2 * DEFAULT_PAGE_SIZE)
    # What was on screen stayed where it was: the earlier page went in above it.
    assert abs(top_of(page, first_id) - before) <= 1
    screenshot(page, f"long-03-earlier-loaded-{name}")

    # Keep scrolling up: every page arrives without moving the view, until the very first message. The
    # DOM stays bounded: past MAX_SHOWN messages the newest ones are let go again.
    seen = shown_texts(page)
    while page.locator(".page-loader.earlier").is_visible():
        anchor = str(messages.first.get_attribute("data-message-id"))
        before = scroll_to_top_and_measure(page, anchor)
        expect(messages.first).not_to_have_attribute("data-message-id", anchor)
        assert abs(top_of(page, anchor) - before) <= 1
        assert messages.count() <= MAX_SHOWN
        seen = shown_texts(page) + [t for t in seen if t not in set(shown_texts(page))]
    assert seen == [f"message {i}" for i in range(LENGTH)]  # all of it, in order, once
    expect(messages).to_have_count(MAX_SHOWN)
    assert shown_texts(page) == [f"message {i}" for i in range(MAX_SHOWN)]
    expect(page.locator(".page-loader.later")).to_be_attached()
    page.evaluate("document.getElementById('chat').scrollTop = 0")
    expect(messages.first).to_be_in_viewport()
    # sibling arrows are right on pages loaded later too (every 40th message has a newer version)
    expect(messages.nth(39).locator(".sibling-count")).to_have_text("1/2")
    expect(messages.nth(40).locator(".sibling-count")).to_have_count(0)
    screenshot(page, f"long-04-first-message-{name}")

    # "Jump to latest" brings the newest page back, scrolled to the end.
    jump = page.get_by_role("button", name="↓ latest")
    expect(jump).to_be_visible()
    jump.click()
    expect(messages.last.locator(".msg-body")).to_have_text(f"message {LENGTH - 1}")
    expect(messages.last).to_be_in_viewport()
    expect(jump).to_be_hidden()
    assert messages.count() <= MAX_SHOWN


def test_mouse_wheel_scrolling_loads_earlier_pages_desktop(
    seeded: SeededConversation, pages: PageFactory
) -> None:
    page = pages.new(DESKTOP, path=f"/#/c/{seeded.id}")
    messages = page.locator("article.msg")
    expect(messages).to_have_count(DEFAULT_PAGE_SIZE)
    page.locator("#chat").hover()
    for _ in range(40):  # a user flinging the wheel upwards
        page.mouse.wheel(0, -2500)
        if messages.count() > DEFAULT_PAGE_SIZE:
            break
    expect(messages).to_have_count(2 * DEFAULT_PAGE_SIZE)
    expect(page.locator(".page-loader.earlier")).to_have_text("↑ earlier messages")


def test_switching_a_version_deep_in_the_path_keeps_the_view_phone(
    seeded: SeededConversation, pages: PageFactory
) -> None:
    page = pages.new(PHONE, path=f"/#/c/{seeded.id}")
    messages = page.locator("article.msg")
    # the messages off screen are rendered in idle-time batches: on a busy machine that takes a while
    expect(messages).to_have_count(DEFAULT_PAGE_SIZE, timeout=20_000)
    # Message 439 has a newer version with one answer below it. Its bottom at the screen's bottom: the
    # new version can take its exact place (higher up there would be too little below it to scroll to).
    original = page.locator(f'[data-message-id="{seeded.path[439]}"]')
    original.evaluate("el => el.scrollIntoView({block: 'end'})")
    expect(original).to_be_in_viewport()
    before = top_of(page, seeded.path[439])
    original.get_by_role("button", name="next version").click()
    alternative = page.locator(f'[data-message-id="{seeded.alternatives[439]}"]')
    expect(alternative.locator(".msg-body")).to_have_text("alternative 439")
    expect(alternative.locator(".sibling-count")).to_have_text("2/2")
    # the new version's page is laid out in batches too: it must end where the old version was
    wait_until(
        lambda: abs(top_of(page, seeded.alternatives[439]) - before) <= 1,
        timeout=10,
        message="the new version in the old one's place",
    )
    expect(messages.last.locator(".msg-body")).to_have_text("below 439")
    screenshot(page, "long-05-switched-version-phone")


@pytest.mark.parametrize("viewport", SIZES)
def test_search_hit_deep_in_the_path_opens_around_it(
    seeded: SeededConversation, pages: PageFactory, viewport: dict[str, int]
) -> None:
    name = "phone" if viewport is PHONE else "desktop"
    page = pages.new(viewport)
    open_drawer_if_phone(page)
    box = page.get_by_label("search conversations")
    box.fill('"message 250"')
    box.press("Enter")
    result = page.locator(".search-results .result").first
    expect(result.locator("mark").first).to_be_visible()
    result.click()

    target = page.locator(f'[data-message-id="{seeded.path[250]}"]')
    expect(target).to_be_in_viewport()
    expect(target).to_have_class(re.compile(r"\bflash\b"))
    messages = page.locator("article.msg")
    expect(messages).to_have_count(DEFAULT_PAGE_SIZE)
    assert shown_texts(page) == [f"message {i}" for i in range(200, 300)]
    screenshot(page, f"long-06-search-hit-{name}")

    # Scrolling down loads the later pages, up to the end of the (unchanged) active path.
    later = page.locator(".page-loader.later")
    while later.is_visible():
        count = messages.count()
        page.evaluate("() => { const c = document.getElementById('chat'); c.scrollTop = c.scrollHeight; }")
        expect(messages).not_to_have_count(count)
    assert shown_texts(page)[-1] == f"message {LENGTH - 1}"
    assert shown_texts(page) == [f"message {i}" for i in range(200, LENGTH)]
    page.evaluate("() => { const c = document.getElementById('chat'); c.scrollTop = c.scrollHeight; }")
    expect(messages.last).to_be_in_viewport()
    screenshot(page, f"long-07-scrolled-to-the-end-{name}")


def test_sending_after_a_jump_goes_below_the_end_of_the_path_desktop(
    seeded: SeededConversation, pages: PageFactory, fake_provider: FakeProvider, app_server: LiveServer
) -> None:
    """Only a page in the middle is shown after a search jump, yet a new message answers the last one."""
    page = pages.new(DESKTOP)
    box = page.get_by_label("search conversations")
    box.fill('"message 250"')
    box.press("Enter")
    page.locator(".search-results .result").first.click()
    expect(page.locator(f'[data-message-id="{seeded.path[250]}"]')).to_be_in_viewport()
    expect(page.locator(".page-loader.later")).to_be_visible()

    fake_provider.enqueue(Behaviour(chunks=["the ", "answer"]), model="gpt-4o")
    send(page, "one more thing")
    wait_complete(assistant(page))
    expect(assistant(page).locator(".msg-body")).to_have_text("the answer")
    assert shown_texts(page)[-4:] == ["message 498", "message 499", "one more thing", "the answer"]
    expect(page.locator(".page-loader.later")).to_be_hidden()
    newest = httpx.get(f"{app_server.url}/api/conversations/{seeded.id}", params={"limit": 2}).json()
    assert newest["messages"][0]["parent_id"] == seeded.path[-1]
    assert newest["path_length"] == LENGTH + 2
