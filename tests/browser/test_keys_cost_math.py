"""Keyboard, the cost breakdown, refused parameters and math, at 390×844 touch and 1440×900.

- The composer has focus on load; Ctrl+K searches, "/" (when not typing) focuses the composer,
  Ctrl+Shift+M opens the model picker and Esc closes it with focus restored, Ctrl+Shift+O starts a new
  chat; /help lists the keys. The slash popup and the picker search are ARIA comboboxes.
- Enter on a conversation in the list opens it and focus stays sensible (on the entry on a desktop, on
  the chat on a phone, where the drawer closes).
- The status line's cost (conversation / today / month) opens the per-message breakdown; a temperature
  the model refused is struck through in the status line and marked in the breakdown.
- $…$ and $$…$$ are typeset by KaTeX (loaded lazily), "$5 and $10" stays prose.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from llm_router.testing import FakeProvider
from llm_router.testing.script import Behaviour
from tests.browser.conftest import DESKTOP, PHONE, Answers, PageFactory, screenshot
from tests.browser.helpers import assistant, open_drawer_if_phone, send, wait_complete

pytestmark = pytest.mark.browser

SIZES = [pytest.param(PHONE, id="phone"), pytest.param(DESKTOP, id="desktop")]


def size_name(viewport: dict[str, int]) -> str:
    return "phone" if viewport is PHONE else "desktop"


def prompt(page: Page):  # type: ignore[no-untyped-def]
    return page.get_by_label("message", exact=True)


def test_shortcuts_and_focus_desktop(pages: PageFactory, answers: Answers) -> None:
    answers.enqueue(Behaviour(chunks=["first"]))
    page = pages.new(DESKTOP)
    expect(prompt(page)).to_be_focused()  # on load
    send(page, "keyboard only")
    wait_complete(assistant(page))

    page.keyboard.press("Control+k")
    expect(page.get_by_label("search conversations")).to_be_focused()
    page.keyboard.press("Escape")

    page.locator("#chat").focus()
    page.keyboard.press("/")
    expect(prompt(page)).to_be_focused()
    expect(prompt(page)).to_have_value("")  # the key moved focus; it typed nothing
    page.keyboard.type("a/b")  # while typing, "/" is a character like any other
    expect(prompt(page)).to_have_value("a/b")
    prompt(page).fill("")

    page.keyboard.press("Control+Shift+m")
    picker = page.get_by_role("dialog", name="choose a model")
    expect(picker).to_be_visible()
    search = picker.get_by_role("combobox", name="search models")
    expect(search).to_be_focused()
    expect(search).to_have_attribute("aria-expanded", "true")
    listbox_id = search.get_attribute("aria-controls")
    expect(page.locator(f"#{listbox_id}")).to_have_attribute("role", "listbox")
    active = search.get_attribute("aria-activedescendant")
    expect(page.locator(f"#{active}")).to_have_attribute("role", "option")
    page.keyboard.press("Escape")
    expect(picker).to_have_count(0)
    expect(prompt(page)).to_be_focused()  # back where it was

    # Enter on a conversation in the list opens it and keeps focus on that entry
    page.keyboard.press("Control+Shift+o")
    expect(page).to_have_url(re.compile(r"#/$"))
    expect(page.locator("article.msg")).to_have_count(0)
    entry = page.locator(".conv", has_text="keyboard only").locator(".conv-open")
    entry.focus()
    page.keyboard.press("Enter")
    expect(page.locator("article.msg")).to_have_count(2)
    expect(entry).to_be_focused()

    # the slash popup is a combobox: expanded, with the active option named
    prompt(page).focus()
    page.keyboard.type("/")
    combo = page.get_by_role("combobox", name="message or command")
    expect(combo).to_have_attribute("aria-expanded", "true")
    expect(prompt(page)).to_have_attribute("aria-activedescendant", "command-option-0")
    page.keyboard.press("ArrowDown")
    expect(prompt(page)).to_have_attribute("aria-activedescendant", "command-option-1")
    expect(page.locator("#command-option-1")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Escape")
    expect(combo).to_have_attribute("aria-expanded", "false")
    prompt(page).fill("/help")
    page.keyboard.press("Enter")
    notice = page.locator(".chat-notice").last
    for keys in ("Ctrl+Shift+O — new chat", "Ctrl+K — search", "Ctrl+Shift+M — choose a model", "/ — write"):
        expect(notice).to_contain_text(keys)
    screenshot(page, "keys-01-help-desktop")


def test_enter_on_a_drawer_entry_closes_it_and_focus_goes_to_the_chat_phone(
    pages: PageFactory, answers: Answers
) -> None:
    answers.enqueue(Behaviour(chunks=["first"]))
    page = pages.new(PHONE)
    send(page, "from the drawer")
    wait_complete(assistant(page))
    page.keyboard.press("Control+Shift+o")
    expect(page.locator("article.msg")).to_have_count(0)
    open_drawer_if_phone(page)
    entry = page.locator(".conv", has_text="from the drawer").locator(".conv-open")
    entry.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#sidebar")).to_be_hidden()
    expect(page.locator("article.msg")).to_have_count(2)
    expect(page.locator("#chat")).to_be_focused()


@pytest.mark.parametrize("viewport", SIZES)
def test_cost_breakdown_and_a_refused_temperature(
    pages: PageFactory, answers: Answers, fake_provider: FakeProvider, viewport: dict[str, int]
) -> None:
    # The default model here is gpt-5.1, a reasoning model: it takes no temperature.
    assert answers.chat_model == "gpt-5.1"
    answers.enqueue(Behaviour(chunks=["one ", "answer"]))
    answers.enqueue(Behaviour(chunks=["another ", "answer"]))
    page = pages.new(viewport)
    prompt(page).fill("/temp 0.3")
    prompt(page).press("Enter")
    temp = page.locator(".sl-temp")
    expect(temp).to_have_text("t 0.3")
    expect(temp).not_to_have_class(re.compile("rejected"))  # not known before an answer says so
    send(page, "first")
    wait_complete(assistant(page))
    send(page, "second")
    expect(page.locator("article.msg-assistant")).to_have_count(2)
    wait_complete(assistant(page))
    sent = [
        r.json
        for r in fake_provider.requests
        if isinstance(r.json, dict) and r.json.get("model") == "gpt-5.1"
    ]
    assert sent
    assert all("temperature" not in body for body in sent)
    expect(temp).to_have_class(re.compile("rejected"))
    expect(temp).to_have_attribute("title", re.compile("temperature not sent: gpt-5.1 does not accept it"))
    expect(temp).to_have_css("text-decoration-line", "line-through")

    cost = page.locator(".sl-cost")
    expect(cost).to_have_attribute(
        "aria-label", re.compile(r"this conversation, \$[\d.]+ today, \$[\d.]+ this month")
    )
    if viewport is DESKTOP:
        expect(cost.locator(".sl-overall")).to_have_text(re.compile(r"^ / \$[\d.]+ / \$[\d.]+$"))
    screenshot(page, f"cost-01-status-line-{size_name(viewport)}")
    cost.click()
    panel = page.get_by_role("dialog", name="cost by message")
    expect(panel).to_be_visible()
    rows = panel.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(panel.locator("thead th")).to_have_text(
        ["#", "model", "in", "cached", "out", "reasoning", "cost", "latency", "ttft"]
    )
    first = rows.first.locator("td")
    expect(first.nth(1)).to_contain_text("gpt-5.1")
    expect(first.nth(1).locator(".dropped")).to_have_text(" −temperature")
    expect(first.nth(4)).not_to_have_text("0")  # tokens out
    expect(first.nth(6)).to_have_text(re.compile(r"^\$"))
    expect(first.nth(8)).to_have_text(re.compile(r"\d+ ms|\d+\.\d s"))
    expect(panel.locator("tfoot")).to_contain_text("2 answers")
    screenshot(page, f"cost-02-breakdown-{size_name(viewport)}")
    page.keyboard.press("Escape")
    expect(panel).to_have_count(0)
    expect(cost).to_be_focused()


MATH = (
    "Euler: $e^{i\\pi} + 1 = 0$, and it costs $5 and $10 a month.\n\n$$\\int_0^1 x^2\\,dx = \\frac{1}{3}$$\n"
)


@pytest.mark.parametrize("viewport", SIZES)
def test_math_is_typeset_and_prices_stay_prose(
    pages: PageFactory, answers: Answers, viewport: dict[str, int]
) -> None:
    answers.enqueue(Behaviour(chunks=[MATH[:20], MATH[20:]]))
    page = pages.new(viewport)
    send(page, "math please")
    message = assistant(page)
    wait_complete(message)
    body = message.locator(".msg-body")
    expect(body.locator(".katex")).to_have_count(2)
    expect(body.locator(".katex-display")).to_have_count(1)
    expect(body).to_contain_text("it costs $5 and $10 a month.")
    # KaTeX's own stylesheet and fonts arrived with its chunk
    expect(body.locator(".katex").first).to_have_css("font-family", re.compile("KaTeX_Main"))
    assert body.locator("annotation").first.text_content() == "e^{i\\pi} + 1 = 0"
    # laid out, not only styled: the superscript sits above the base (positions survive the CSP)
    assert body.locator(".katex .vlist > span").evaluate_all("els => els.some(el => el.style.top !== '')")
    base = body.locator(".katex .mord.mathnormal", has_text="e").first.bounding_box()
    sup = body.locator(".katex .msupsub").first.bounding_box()
    assert base is not None
    assert sup is not None
    assert sup["y"] < base["y"]
    screenshot(page, f"math-01-{size_name(viewport)}")
