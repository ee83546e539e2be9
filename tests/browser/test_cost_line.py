"""Must-hold 6: tokens and cost in the status line change while an answer streams, and the line never
wraps or changes height, at 360 px as on a desktop."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from llm_router.testing import FakeProvider
from llm_router.testing.script import Behaviour
from tests.browser.conftest import DESKTOP, Answers, PageFactory, screenshot
from tests.browser.helpers import assistant, send, wait_complete

pytestmark = pytest.mark.browser

NARROW = {"width": 360, "height": 740}

# The status line's height and every text it showed while the answer streamed.
WATCH = """() => {
  window.__lines = [];
  window.__heights = new Set();
  const line = document.querySelector('.statusline');
  new MutationObserver(() => {
    const field = (name) => line.querySelector(name).textContent;
    const text = field('.sl-tokens') + ' ' + field('.sl-cost');
    if (window.__lines[window.__lines.length - 1] !== text) window.__lines.push(text);
    window.__heights.add(line.getBoundingClientRect().height);
  }).observe(line, {subtree: true, childList: true, characterData: true});
}"""

ONE_LINE = """(line) => {
  const shown = Array.from(line.children).filter((c) => !c.hidden);
  const middle = (r) => Math.round(r.top + r.height / 2);  // one row: all share a middle line
  const tops = new Set(shown.map((c) => middle(c.getBoundingClientRect())));
  const page = document.documentElement.scrollWidth;
  return {tops: tops.size, clipped: line.scrollWidth - line.clientWidth, page};
}"""


@pytest.mark.parametrize("viewport", [NARROW, DESKTOP], ids=["narrow", "desktop"])
def test_tokens_and_cost_tick_while_streaming_on_one_line(
    pages: PageFactory, answers: Answers, fake_provider: FakeProvider, viewport: dict[str, int]
) -> None:
    words = [f"word{i:02d} " * 5 for i in range(30)]
    answers.enqueue(Behaviour(chunks=words, delay=0.02, pause_after=15))
    page = pages.new(viewport)
    page.locator(".statusline").wait_for()
    before = page.locator(".statusline").bounding_box()
    assert before is not None
    page.evaluate(WATCH)
    send(page, "count for me")
    fake_provider.wait_until_paused()
    line = page.locator(".statusline")
    expect(line).to_have_attribute("data-live", "true")
    expect(line.locator(".sl-tokens")).to_contain_text("~")
    shape = line.evaluate(ONE_LINE)
    screenshot(page, f"15-cost-line-{'narrow' if viewport is NARROW else 'desktop'}")
    fake_provider.release()
    wait_complete(assistant(page))
    expect(line).to_have_attribute("data-live", "false")
    expect(line.locator(".sl-tokens")).not_to_contain_text("~")

    lines: list[str] = page.evaluate("window.__lines")
    assert len(set(lines)) >= 3, f"tokens and cost did not change while streaming: {lines}"
    assert len({text.split(" ")[2] for text in lines}) >= 2, lines  # the cost moved too
    assert page.evaluate("Array.from(window.__heights)") == [before["height"]]
    assert shape["tops"] == 1, shape
    assert shape["clipped"] <= 0, shape  # everything fits: nothing is cut off at the end
    assert shape["page"] <= viewport["width"], shape
    gauge = line.locator(".sl-context")
    expect(gauge).to_have_attribute("aria-valuetext", re.compile(r"^<1% of 400k tokens$"))
    assert 0 < float(gauge.get_attribute("aria-valuenow") or 0) < 1
