"""First run without any provider: the empty state says exactly what to configure (the server's hint)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, PageFactory, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def with_provider() -> bool:
    return False


def test_empty_state_names_the_setting_to_add(pages: PageFactory) -> None:
    page = pages.new(PHONE)
    hint = page.request.get("/api/models").json()["hint"]
    assert hint, "the server gives a hint when no provider is configured"
    empty = page.locator(".empty-state")
    expect(empty).to_contain_text("No model provider is configured yet.")
    expect(empty.locator(".hint")).to_have_text(hint)
    assert "OPENAI_API_KEY" in hint or "Settings" in hint
    screenshot(page, "first-run-phone")
