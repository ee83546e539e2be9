"""Settings → provider keys: add a custom endpoint, see only its last four characters, test it, remove it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from llm_router.testing import FakeProvider
from tests.browser.conftest import DESKTOP, PHONE, PageFactory, screenshot

pytestmark = pytest.mark.browser

SECRET = "sk-browser-panel-0123456789-Wxyz"


@pytest.fixture
def server_overrides() -> dict[str, object]:
    # the fake provider listens on loopback, which custom endpoints may reach only when allowlisted
    return {"allowed_private_hosts": ["127.0.0.1"]}


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_add_test_and_remove_a_key(
    pages: PageFactory, fake_provider: FakeProvider, viewport: dict[str, int]
) -> None:
    page = pages.new(viewport)
    page.get_by_role("button", name="settings").click()
    panel = page.get_by_role("dialog", name="settings")
    expect(panel.locator(".key-list")).to_contain_text("openai · openai")  # the environment's key, read-only

    panel.get_by_label("provider name").fill("homelab")
    panel.get_by_label("base url").fill(fake_provider.openai_base_url)
    panel.get_by_label("api key").fill(SECRET)
    panel.get_by_role("button", name="add key").click()
    expect(panel.get_by_role("status")).to_have_text("key saved")
    row = panel.locator(".key-list li", has_text="homelab")
    expect(row).to_contain_text("…Wxyz")
    assert SECRET not in page.content()  # the form was reset and the list shows the hint only
    screenshot(page, f"settings-keys-{'phone' if viewport is PHONE else 'desktop'}")

    fake_provider.reset()
    row.get_by_role("button", name="test").click()
    expect(panel.get_by_role("status")).to_contain_text("homelab: ok")
    listed = [r for r in fake_provider.requests if r.path.endswith("/models")]
    assert [r.api_key for r in listed] == [SECRET]  # the saved key went to the host it was saved for

    row.get_by_role("button", name="remove").click()
    expect(panel.locator(".key-list li", has_text="homelab")).to_have_count(0)
    # the key is gone on the server too, not only from the list on screen
    assert "homelab" not in page.evaluate("fetch('/api/keys').then(r => r.text())")


def test_a_failing_key_test_shows_the_reason(pages: PageFactory, fake_provider: FakeProvider) -> None:
    fake_provider.api_key = "sk-the-only-accepted-key"
    page = pages.new(PHONE)
    page.get_by_role("button", name="settings").click()
    panel = page.get_by_role("dialog", name="settings")
    panel.get_by_label("provider name").fill("wrongkey")
    panel.get_by_label("base url").fill(fake_provider.openai_base_url)
    panel.get_by_label("api key").fill("sk-not-the-right-one-9999")
    panel.get_by_role("button", name="add key").click()
    row = panel.locator(".key-list li", has_text="wrongkey")
    row.get_by_role("button", name="test").click()
    expect(panel.get_by_role("status")).to_contain_text("wrongkey: failed")
    expect(panel.get_by_role("status")).not_to_contain_text("sk-not-the-right-one")
