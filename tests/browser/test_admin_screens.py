"""Settings → users and API tokens (password mode): an admin creates a user and a token, the token works on
``/v1`` until it is revoked in the page; the new non-admin user sees no users screen and gets 403."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE, PageFactory, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def server_overrides() -> dict[str, object]:
    return {"auth": "password"}


def _sign_in(page: Page, username: str, password: str, *, first_run: bool = False) -> None:
    page.get_by_label("username").fill(username)
    page.get_by_label("password").fill(password)
    page.get_by_role("button", name="create & sign in" if first_run else "sign in").click()
    expect(page.locator(".statusline")).to_be_visible()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_admin_creates_user_and_token_then_revokes_it(pages: PageFactory, viewport: dict[str, int]) -> None:
    size = "phone" if viewport is PHONE else "desktop"
    page = pages.new(viewport, ready="form.auth")
    _sign_in(page, "owner", "correct horse battery", first_run=True)
    page.get_by_role("button", name="settings").click()
    panel = page.get_by_role("dialog", name="settings")

    panel.get_by_label("new username").fill("carol")
    panel.get_by_label("new user's password").fill("carol's long password")
    panel.get_by_role("button", name="create user").click()
    expect(panel.locator(".user-list li[data-user=carol]")).to_contain_text("carol")

    panel.get_by_label("token name").fill("ci")
    panel.get_by_label("token daily budget").fill("2.5")
    panel.get_by_label("token expiry").select_option(label="expires in 30 days")
    panel.get_by_role("button", name="create token").click()
    token = panel.locator(".token-value").inner_text()
    assert token
    expect(panel.locator(".token-list li").first).to_contain_text("ci · ")
    expect(panel.locator(".token-list li").first).to_contain_text(" · expires ")
    panel.locator(".users-section").scroll_into_view_if_needed()
    screenshot(page, f"settings-admin-{size}")

    base = page.url.split("#")[0].rstrip("/")
    headers = {"authorization": f"Bearer {token}"}
    assert httpx.get(f"{base}/v1/models", headers=headers).status_code == 200
    panel.locator(".token-list li").first.get_by_role("button", name="revoke").click()
    expect(panel.locator(".token-list li").first).to_contain_text("revoked")
    assert httpx.get(f"{base}/v1/models", headers=headers).status_code == 401

    panel.get_by_role("button", name="sign out").click()
    expect(page.locator("form.auth")).to_be_visible()
    _sign_in(page, "carol", "carol's long password")
    page.get_by_role("button", name="settings").click()
    panel = page.get_by_role("dialog", name="settings")
    expect(panel.get_by_role("heading", name="API tokens")).to_be_visible()
    expect(panel.locator(".users-section")).to_have_count(0)
    assert page.evaluate("fetch('/api/admin/users').then(r => r.status)") == 403
    assert page.evaluate("fetch('/api/admin/tokens/x/budget', {method: 'PUT'}).then(r => r.status)") == 403
