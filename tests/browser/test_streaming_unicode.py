"""Issue #20.7: emoji, ZWJ sequences and combining marks stream, reload mid-answer and resume identically.
The server's offsets (``Last-Event-ID``, event ids) count code points; the web app must count the same
unit, or every emoji shifts the text by one (``echo: 😀😀😀…`` showed as ``ec: 😀😀…``)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from llm_router.testing import FakeProvider
from llm_router.testing.script import Behaviour
from tests.browser.conftest import PHONE, Answers, PageFactory, screenshot
from tests.browser.helpers import assistant, send, wait_complete

pytestmark = pytest.mark.browser

FAMILY = "\U0001f469\u200d\U0001f469\u200d\U0001f467"  # 👩‍👩‍👧: five code points, eight UTF-16 units
PIECES = [
    "echo: ",
    *["😀"] * 8,
    " \U0001f469\u200d",  # a ZWJ sequence split across pieces
    "\U0001f469\u200d\U0001f467",
    " cafe",
    "\u0301",  # a combining acute accent arriving alone
    " nai\u0308ve \U0001f1eb\U0001f1f7",  # a combining diaeresis, a flag (two regional indicators)
    " end.",
]
FINAL = "".join(PIECES)

# Every distinct text the streaming answer shows (installed before the stream moves on).
RECORD = """() => {
  window.__shown = [];
  new MutationObserver(() => {
    const body = document.querySelector('article.msg-assistant:last-of-type .msg-body');
    const text = body ? body.textContent : '';
    if (text && text !== window.__shown[window.__shown.length - 1]) window.__shown.push(text);
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def assert_never_garbled(page: Page) -> None:
    shown: list[str] = page.evaluate("window.__shown")
    assert shown, "nothing was recorded"
    garbled = [text for text in shown if not FINAL.startswith(text.strip())]
    assert garbled == [], f"texts shown that are not a prefix of the answer: {garbled}"


def test_emoji_zwj_and_combining_marks_stream_without_garbling(pages: PageFactory, answers: Answers) -> None:
    answers.enqueue(Behaviour(chunks=PIECES, delay=0.05))
    page = pages.new(PHONE)
    page.evaluate(RECORD)
    send(page, "unicode please")
    message = assistant(page)
    wait_complete(message)
    assert message.locator(".msg-body").inner_text().strip() == FINAL
    assert FAMILY in FINAL
    assert_never_garbled(page)
    shown: list[str] = page.evaluate("window.__shown")
    assert len(shown) >= 4, f"the answer did not stream piece by piece: {shown}"


def test_reload_mid_answer_after_emoji_resumes_at_the_right_character(
    pages: PageFactory, answers: Answers, fake_provider: FakeProvider
) -> None:
    answers.enqueue(Behaviour(chunks=PIECES, delay=0.05, pause_after=10))
    page = pages.new(PHONE)
    send(page, "unicode please")
    message = assistant(page)
    fake_provider.wait_until_paused()
    so_far = "".join(PIECES[:10]).strip()
    expect(message.locator(".msg-body")).to_have_text(so_far)

    page.reload()  # resumes with Last-Event-ID counted in code points: 8 emoji = 8, not 16
    page.evaluate(RECORD)
    message = assistant(page)
    expect(message).to_have_attribute("data-status", "streaming")
    expect(message.locator(".msg-body")).to_have_text(so_far)
    fake_provider.release()
    wait_complete(message)
    screenshot(page, "20-unicode-resumed-phone")
    assert message.locator(".msg-body").inner_text().strip() == FINAL
    assert_never_garbled(page)
    shown: list[str] = page.evaluate("window.__shown")
    assert any(so_far in text and text.strip() != FINAL for text in shown), (
        f"no text was shown between the resume and the end: {shown}"
    )
