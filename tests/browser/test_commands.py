"""Must-hold 3: the slash-command popup, fuzzy model completion that changes the status line, and
inline errors for invalid arguments."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from llm_router.testing import FakeProvider
from llm_router.testing.script import Behaviour
from tests.browser.conftest import DESKTOP, PHONE, Answers, PageFactory, screenshot
from tests.browser.helpers import assistant, send, wait_complete

pytestmark = pytest.mark.browser


def test_model_popup_filters_and_enter_applies_it(pages: PageFactory, fake_provider: FakeProvider) -> None:
    page = pages.new(PHONE)
    prompt = page.get_by_label("message", exact=True)
    popup = page.locator("#command-popup")

    prompt.press_sequentially("/mo")
    expect(popup).to_be_visible()
    expect(popup.locator(".popup-item .label").first).to_have_text("/model")
    screenshot(page, "03-popup-commands-phone")

    prompt.fill("/model gp")
    labels = popup.locator(".popup-item .label")
    expect(labels.first).to_be_visible()
    shown = labels.all_inner_texts()
    assert shown, "no model offered for 'gp'"
    assert all(re.search(r"g.*p", label) for label in shown), shown
    assert not any(label.startswith("claude") for label in shown), shown

    catalog = page.request.get("/api/models").json()["models"]
    fallback = {m["id"] for m in catalog if m["source"] == "fallback"}
    for item in popup.locator(".popup-item").all():
        label = item.locator(".label").inner_text()
        expect(item.locator(".tag-fallback")).to_have_count(1 if label in fallback else 0)
    screenshot(page, "03-popup-models-phone")

    before = page.locator(".sl-model").inner_text()
    prompt.press("ArrowDown")
    chosen = popup.locator('.popup-item[aria-selected="true"] .label').inner_text()
    prompt.press("Enter")
    expect(popup).to_be_hidden()
    expect(page.locator(".sl-model")).to_have_text(chosen)
    assert chosen != before or before == chosen  # the field shows the choice either way
    expect(prompt).to_have_value("")

    send(page, "which model?")  # the fake echoes for any model
    wait_complete(assistant(page))
    expect(assistant(page).locator(".msg-head .meta")).to_have_text(chosen)
    wanted = next(m["model"] for m in catalog if m["id"] == chosen)
    assert wanted in {r.model for r in fake_provider.requests}


def test_invalid_arguments_show_what_is_allowed_inline(pages: PageFactory) -> None:
    page = pages.new(PHONE)
    prompt = page.get_by_label("message", exact=True)
    notice = page.locator(".composer .notice")

    send(page, "/temp 9")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("from 0 to 2")
    expect(prompt).to_have_value("/temp 9")  # nothing lost: fix it and press Enter again
    screenshot(page, "03-temp-error-phone")

    prompt.fill("/temp 0.4")
    expect(notice).to_be_hidden()
    prompt.press("Enter")
    expect(page.locator(".sl-temp")).to_have_text("t 0.4")

    send(page, "/reasoning extreme")
    expect(notice).to_contain_text("none, minimal, low, medium, high")
    send(page, "/reasoning high")
    expect(page.locator(".sl-reasoning")).to_have_text("r high")

    send(page, "/nope")
    expect(notice).to_contain_text("/help")


def test_help_lists_every_command_and_keys_work(pages: PageFactory) -> None:
    page = pages.new(DESKTOP)
    prompt = page.get_by_label("message", exact=True)
    popup = page.locator("#command-popup")

    prompt.press_sequentially("/he")
    prompt.press("Tab")
    expect(prompt).to_have_value("/help")
    prompt.press("Enter")
    help_box = page.locator(".chat-notice").last
    for name in ["model", "temp", "reasoning", "system", "help", "new", "branch", "search", "stats"]:
        expect(help_box).to_contain_text(f"/{name}")

    prompt.press_sequentially("/s")
    expect(popup).to_be_visible()
    prompt.press("Escape")
    expect(popup).to_be_hidden()
    prompt.fill("line one")
    prompt.press("Shift+Enter")
    prompt.press_sequentially("line two")
    expect(prompt).to_have_value("line one\nline two")
    screenshot(page, "03-help-desktop")


def test_system_and_stats_commands(pages: PageFactory, answers: Answers) -> None:
    page = pages.new(PHONE)
    answers.enqueue(Behaviour(chunks=["fine"]))
    send(page, "hi")
    wait_complete(assistant(page))

    send(page, "/system always answer in French")
    expect(page.locator(".chat-notice").last).to_contain_text("always answer in French")
    conversation_id = page.evaluate("location.hash").split("/")[-1]
    conversation = page.request.get(f"/api/conversations/{conversation_id}").json()
    assert "always answer in French" in conversation["system_prompt"]

    send(page, "/stats")
    stats = page.locator(".chat-notice").last
    # at least the answer (the server may also have asked a model for the title)
    expect(stats).to_contain_text(re.compile(r"conversation: [1-9]\d* requests · \d+ in · \d+ out · \$"))
    expect(stats).to_contain_text("overall:")
