"""Must-hold 3 and 4: on touch Enter makes a new line and the button sends (desktop: Enter sends,
Shift+Enter a new line); the send button stops a streaming answer and the partial text stays; a cut
stream offers continue; Back returns to the previous conversation and closes the drawer or settings
while staying in the app."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from llm_router.testing.script import Behaviour
from tests.browser.conftest import DESKTOP, PHONE, Answers, PageFactory, screenshot
from tests.browser.helpers import assistant, open_drawer_if_phone, send, wait_complete

pytestmark = pytest.mark.browser


def name(viewport: dict[str, int]) -> str:
    return "phone" if viewport is PHONE else "desktop"


def test_enter_on_touch_is_a_new_line_and_the_button_sends(pages: PageFactory, answers: Answers) -> None:
    page = pages.new(PHONE)
    prompt = page.get_by_label("message", exact=True)
    prompt.press_sequentially("first line")
    prompt.press("Enter")
    prompt.press_sequentially("second line")
    expect(prompt).to_have_value("first line\nsecond line")
    expect(page.locator("article.msg")).to_have_count(0)
    screenshot(page, "15-multiline-phone")
    page.get_by_role("button", name="send", exact=True).click()
    expect(page.locator("article.msg-user .msg-body")).to_contain_text("second line")
    wait_complete(assistant(page))
    expect(prompt).to_have_value("")


def test_enter_on_desktop_sends_and_shift_enter_is_a_new_line(pages: PageFactory, answers: Answers) -> None:
    page = pages.new(DESKTOP)
    prompt = page.get_by_label("message", exact=True)
    expect(prompt).to_be_focused()  # the composer is ready on load
    prompt.press_sequentially("one")
    prompt.press("Shift+Enter")
    prompt.press_sequentially("two")
    expect(prompt).to_have_value("one\ntwo")
    prompt.press("Enter")
    wait_complete(assistant(page))
    expect(page.locator("article.msg-user .msg-body")).to_contain_text("two")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_send_becomes_stop_while_streaming_and_keeps_the_partial_text(
    pages: PageFactory, answers: Answers, viewport: dict[str, int]
) -> None:
    answers.enqueue(Behaviour(chunks=[f"part{i:02d} " for i in range(80)], delay=0.1))
    page = pages.new(viewport)
    send(page, "a long one")
    message = assistant(page)
    expect(message.locator(".msg-body")).to_contain_text("part02")
    stop = page.get_by_role("button", name="stop the answer")
    expect(stop).to_have_text("stop")
    screenshot(page, f"15-stop-{name(viewport)}")
    stop.click()
    expect(message).to_have_attribute("data-status", "cancelled")
    kept = message.locator(".msg-body").inner_text().strip()
    assert kept.startswith("part00 part01 part02")
    assert "part79" not in kept
    expect(page.get_by_role("button", name="send", exact=True)).to_be_visible()
    expect(message.get_by_role("button", name="continue")).to_be_visible()


def test_a_cut_stream_offers_continue_and_retry(pages: PageFactory, answers: Answers) -> None:
    answers.enqueue(Behaviour(chunks=["kept ", "so ", "far ", "lost"], cut_after=3))
    page = pages.new(PHONE)
    send(page, "break off")
    message = assistant(page)
    expect(message).to_have_attribute("data-status", "error", timeout=20_000)
    expect(message.locator(".msg-body")).to_contain_text("kept so far")
    expect(message.get_by_role("button", name="retry")).to_be_visible()
    screenshot(page, "15-cut-continue-phone")
    answers.enqueue(Behaviour(chunks=[" and the end"]))
    message.get_by_role("button", name="continue").click()
    message = assistant(page)
    wait_complete(message)
    expect(message.locator(".msg-body")).to_contain_text("kept so far and the end")


def open_conversation(page: Page, title_part: str) -> None:
    open_drawer_if_phone(page)
    page.locator(".conv-list .conv", has_text=title_part).first.locator(".conv-title").click()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_back_returns_to_the_previous_conversation_and_closes_layers(
    pages: PageFactory, answers: Answers, viewport: dict[str, int]
) -> None:
    origin = {"Origin": pages.base_url}
    page = pages.new(viewport)
    first = page.request.post("/api/conversations", data={"title": "alpha chat"}, headers=origin).json()
    second = page.request.post("/api/conversations", data={"title": "beta chat"}, headers=origin).json()
    page.reload()
    page.locator(".statusline").wait_for()
    open_conversation(page, "alpha chat")
    expect(page).to_have_url(f"{pages.base_url}/#/c/{first['id']}")
    open_conversation(page, "beta chat")
    expect(page).to_have_url(f"{pages.base_url}/#/c/{second['id']}")
    expect(page.locator(".topbar .title")).to_have_text("beta chat")

    page.go_back()
    expect(page).to_have_url(f"{pages.base_url}/#/c/{first['id']}")
    expect(page.locator(".topbar .title")).to_have_text("alpha chat")

    if viewport is PHONE:
        open_drawer_if_phone(page)
        screenshot(page, "15-drawer-phone")
        page.go_back()
        expect(page.locator("#sidebar")).not_to_be_in_viewport()
        expect(page.locator(".topbar .title")).to_have_text("alpha chat")

    settings = page.get_by_role("button", name="settings")
    settings.click()
    expect(page.get_by_role("dialog", name="settings")).to_be_visible()
    page.go_back()
    expect(page.get_by_role("dialog", name="settings")).to_have_count(0)
    expect(page).to_have_url(f"{pages.base_url}/#/c/{first['id']}")

    settings.click()
    page.keyboard.press("Escape")  # Esc closes the top layer and focus returns to its opener
    expect(page.get_by_role("dialog", name="settings")).to_have_count(0)
    expect(settings).to_be_focused()
    page.go_back()  # the closed layer left no entry behind: Back goes to where alpha was opened from
    expect(page).to_have_url(f"{pages.base_url}/")
    expect(page.locator(".topbar .title")).to_have_text("llm-router")
    expect(page.locator("article.msg")).to_have_count(0)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_back_and_esc_close_every_screen_and_stay_in_the_app(
    pages: PageFactory, answers: Answers, viewport: dict[str, int]
) -> None:
    """The screens opened from settings (usage, memory, schedules), the prompt library and the compare
    view are layers like settings itself: Back closes the top one and the app stays where it was."""
    page = pages.new(viewport)
    send(page, "hello")
    wait_complete(assistant(page))
    here = page.url
    settings = page.get_by_role("dialog", name="settings")
    for screen, dialog in (("usage", "usage"), ("memory", "memory"), ("schedules", "scheduled prompts")):
        page.get_by_role("button", name="settings").click()
        settings.get_by_role("button", name=screen, exact=True).click()
        expect(page.get_by_role("dialog", name=dialog)).to_be_visible()
        page.go_back()  # the screen closes; settings stays open beneath it
        expect(page.get_by_role("dialog", name=dialog)).to_have_count(0)
        expect(settings).to_be_visible()
        page.go_back()
        expect(settings).to_have_count(0)
        assert page.url == here

    page.get_by_role("button", name="settings").click()
    settings.get_by_role("button", name="usage", exact=True).click()
    page.keyboard.press("Escape")  # Esc takes the top layer only
    expect(page.get_by_role("dialog", name="usage")).to_have_count(0)
    expect(settings).to_be_visible()
    expect(settings.get_by_role("button", name="usage", exact=True)).to_be_focused()
    page.keyboard.press("Escape")
    expect(settings).to_have_count(0)

    send(page, "/p")  # alone, it opens the library
    library = page.get_by_role("dialog", name="prompt library")
    expect(library).to_be_visible()
    page.go_back()
    expect(library).to_have_count(0)
    assert page.url == here
    expect(assistant(page)).to_contain_text("hello")  # still the same conversation, in the app

    send(page, "/compare gpt-4o gpt-4o-mini which one?")
    compare = page.get_by_role("dialog", name="compare answers")
    expect(compare).to_be_visible()
    page.go_back()
    expect(compare).to_have_count(0)
    assert page.url == here
    page.keyboard.press("Escape")  # nothing left open: Esc does nothing, and Back history is intact
    expect(page.locator(".topbar .title")).not_to_have_text("llm-router")


def test_a_layer_opened_as_another_closes_keeps_its_history_entry(
    pages: PageFactory, answers: Answers
) -> None:
    """The library closes (its entry consumed by history.back(), which lands later) and the prompt's
    variables form opens at once: the form still has an entry, so Back closes it and stays in the app."""
    page = pages.new(PHONE)
    body = {"name": "greet", "body": "Say hi to {{name}}"}
    assert page.request.post("/api/prompts", data=body, headers={"Origin": pages.base_url}).status == 201
    send(page, "hello")
    wait_complete(assistant(page))
    here = page.url
    send(page, "/p")
    library = page.get_by_role("dialog", name="prompt library")
    library.locator(".entry", has_text="greet").get_by_role("button", name="use").click()
    field = page.get_by_label("name", exact=True)
    expect(field).to_be_visible()
    expect(library).to_have_count(0)
    page.go_back()
    expect(field).to_have_count(0)
    assert page.url == here
    expect(assistant(page)).to_contain_text("hello")
