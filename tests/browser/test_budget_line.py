"""From 80 % of a dollar limit the status line says so (and in red once the limit is reached), on one line
at 360 px as on a desktop."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from llm_router.testing.script import Behaviour, FakeUsage
from tests.browser.conftest import DESKTOP, Answers, PageFactory, screenshot
from tests.browser.helpers import assistant, send, wait_complete
from tests.browser.test_cost_line import NARROW, ONE_LINE
from tests.support.server import LiveServer

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [NARROW, DESKTOP], ids=["narrow", "desktop"])
def test_the_status_line_warns_near_the_budget_and_says_when_it_is_spent(
    pages: PageFactory, answers: Answers, app_server: LiveServer, viewport: dict[str, int]
) -> None:
    # gpt-5.1: $1.25 in / $10 out per 1M tokens → 1,000 + 1,000 tokens cost $0.01125
    limit = {"daily_usd": 0.0125, "monthly_usd": None}
    assert httpx.put(f"{app_server.url}/api/budget", json=limit, timeout=10).status_code == 200
    page = pages.new(viewport)
    budget = page.locator(".statusline .sl-budget")
    expect(budget).to_be_hidden()  # nothing spent yet

    answers.enqueue(Behaviour(chunks=["spent"], usage=FakeUsage(1000, 1000)))
    send(page, "spend most of it")
    wait_complete(assistant(page))
    expect(budget).to_be_visible()
    expect(budget).to_have_attribute("data-state", "warning")
    expect(budget).to_have_text("budget 90%")  # the word is hidden on phones, the number stays
    expect(budget).to_have_attribute("title", re.compile(r"^day budget: \$0\.011\d of \$0\.0125$"))
    shape = page.locator(".statusline").evaluate(ONE_LINE)
    assert shape["tops"] == 1, shape
    assert shape["clipped"] <= 0, shape
    screenshot(page, f"16-budget-warning-{'narrow' if viewport is NARROW else 'desktop'}")

    answers.enqueue(Behaviour(chunks=["more"], usage=FakeUsage(1000, 1000)))
    send(page, "and the rest")
    wait_complete(assistant(page))
    expect(budget).to_have_attribute("data-state", "exceeded")
    expect(budget).to_have_attribute(
        "title", "day budget: $0.0225 of $0.0125 — new answers from paid models are refused until it resets"
    )
