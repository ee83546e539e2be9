"""Must-hold 1: angle-bracket text in a user message and in an answer is shown exactly as typed (raw
HTML outside code is text, not markup), on a phone and on a desktop."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from llm_router.testing.script import Behaviour
from tests.browser.conftest import DESKTOP, PHONE, Answers, PageFactory, screenshot
from tests.browser.helpers import assistant, send, wait_complete

pytestmark = pytest.mark.browser

TYPED = "Use the <div> element, generic List<String>, a <br> tag"
ANSWER = ["Sure: ", "the <div> element, ", "generic List<Str", "ing>, a <br> tag.\n\n", "<p>block html</p>\n"]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_angle_brackets_show_exactly_as_typed(
    pages: PageFactory, answers: Answers, viewport: dict[str, int]
) -> None:
    answers.enqueue(Behaviour(chunks=ANSWER, delay=0.02))
    page = pages.new(viewport)
    send(page, TYPED)
    answer = assistant(page)
    wait_complete(answer)
    user = page.locator("article.msg-user .msg-body").last
    expect(user).to_have_text(TYPED)
    body = answer.locator(".msg-body")
    expect(body).to_contain_text("Sure: the <div> element, generic List<String>, a <br> tag.")
    expect(body).to_contain_text("<p>block html</p>")
    # shown as text: no element came out of the typed tags
    assert page.locator("#chat .msg-body br").count() == 0
    screenshot(page, f"15-raw-text-{'phone' if viewport is PHONE else 'desktop'}")
