"""Password mode: the terminal-style "create admin" screen on first run, then sign-in."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, PageFactory, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def server_overrides() -> dict[str, object]:
    return {"auth": "password"}


def test_first_run_creates_the_admin_then_signs_in(pages: PageFactory) -> None:
    page = pages.new(PHONE, ready="form.auth")
    expect(page.locator("form.auth h1")).to_contain_text("create admin")
    screenshot(page, "account-setup-phone")
    page.get_by_label("username").fill("owner")
    page.get_by_label("password").fill("correct horse battery")
    page.get_by_role("button", name="create & sign in").click()
    expect(page.locator(".statusline")).to_be_visible()

    page.get_by_role("button", name="settings").click()
    page.get_by_role("button", name="sign out").click()
    expect(page.locator("form.auth h1")).to_contain_text("sign in")
    page.get_by_label("username").fill("owner")
    page.get_by_label("password").fill("wrong password")
    page.get_by_role("button", name="sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    screenshot(page, "account-login-error-phone")
    page.get_by_label("password").fill("correct horse battery")
    page.get_by_role("button", name="sign in").click()
    expect(page.locator(".statusline")).to_be_visible()


def test_password_change_from_settings(pages: PageFactory) -> None:
    page = pages.new(PHONE, ready="form.auth")
    page.get_by_label("username").fill("owner")
    page.get_by_label("password").fill("first password 1")
    page.get_by_role("button", name="create & sign in").click()
    page.get_by_role("button", name="settings").click()
    page.get_by_label("current password").fill("first password 1")
    page.get_by_label("new password", exact=True).fill("second password 2")  # not "new password for …"
    page.get_by_role("button", name="change password").click()
    expect(page.get_by_role("dialog", name="settings")).to_contain_text("password changed")
    page.get_by_role("button", name="sign out").click()
    expect(page.locator("form.auth h1")).to_contain_text("sign in")
    page.get_by_label("username").fill("owner")
    page.get_by_label("password").fill("second password 2")
    page.get_by_role("button", name="sign in").click()
    expect(page.locator(".statusline")).to_be_visible()
