"""The conversation list: newest first, infinite scroll, rename, clone and delete (with a confirm)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, PageFactory, screenshot
from tests.browser.helpers import menu_action, open_drawer_if_phone

pytestmark = pytest.mark.browser


def test_newest_first_with_infinite_scroll(pages: PageFactory) -> None:
    page = pages.new(PHONE)
    origin = {"Origin": pages.base_url}
    for i in range(36):
        page.request.post("/api/conversations", data={"title": f"chat {i:02d}"}, headers=origin)
    page.reload()
    open_drawer_if_phone(page)
    items = page.locator(".conv-list .conv")
    expect(items.first.locator(".conv-title")).to_have_text("chat 35")
    expect(items).to_have_count(30)
    items.last.scroll_into_view_if_needed()
    page.locator(".conv-list .sentinel").scroll_into_view_if_needed()
    expect(items).to_have_count(36)
    expect(items.last.locator(".conv-title")).to_have_text("chat 00")


def test_rename_clone_delete(pages: PageFactory) -> None:
    page = pages.new(DESKTOP)
    origin = {"Origin": pages.base_url}
    created = page.request.post("/api/conversations", data={"title": "original"}, headers=origin).json()
    page.reload()
    item = page.locator(".conv", has_text="original")

    menu_action(item, "rename")
    title = page.get_by_label("new title")
    title.fill("renamed")
    title.press("Enter")
    expect(page.locator(".conv-title", has_text="renamed")).to_be_visible()
    assert page.request.get(f"/api/conversations/{created['id']}").json()["title"] == "renamed"

    menu_action(page.locator(".conv", has_text="renamed"), "clone")
    expect(page.locator(".conv-list .conv")).to_have_count(2)
    expect(page).not_to_have_url(f"**/#/c/{created['id']}")

    item = page.locator(f'.conv[data-id="{created["id"]}"]')
    menu_action(item, "delete…")
    screenshot(page, "list-confirm-delete-desktop")
    item.get_by_role("button", name="keep").click()
    expect(page.locator(".conv-list .conv")).to_have_count(2)
    menu_action(item, "delete…")
    item.get_by_role("button", name="yes, delete").click()
    expect(page.locator(".conv-list .conv")).to_have_count(1)
    assert page.request.get(f"/api/conversations/{created['id']}").status == 404


def test_esc_in_a_rename_or_a_prompt_form_closes_only_that(pages: PageFactory) -> None:
    """Esc cancels what it is typed into; the layer beneath (the phone's drawer) stays open. A saved
    prompt's variables form closes with Back or Esc and gives focus back."""
    page = pages.new(PHONE)
    origin = {"Origin": pages.base_url}
    page.request.post("/api/conversations", data={"title": "keep me"}, headers=origin)
    body = {"name": "greet", "body": "Say hi to {{name}}"}
    assert page.request.post("/api/prompts", data=body, headers=origin).status == 201
    page.reload()
    page.locator(".statusline").wait_for()  # the app is mounted: its menu button opens the drawer
    open_drawer_if_phone(page)
    item = page.locator(".conv", has_text="keep me")
    menu_action(item, "rename")
    title = page.get_by_label("new title")
    title.fill("half typed")
    title.press("Escape")
    expect(title).to_have_count(0)
    expect(item.locator(".conv-title")).to_have_text("keep me")
    expect(page.locator("#sidebar")).to_be_in_viewport()  # the drawer is still open

    page.keyboard.press("Escape")  # and now Esc closes the drawer
    expect(page.locator("#sidebar")).not_to_be_in_viewport()
    prompt = page.get_by_label("message", exact=True)
    prompt.fill("/p greet")
    page.get_by_role("button", name="send", exact=True).click()
    field = page.get_by_label("name", exact=True)
    expect(field).to_be_focused()
    here = page.url
    page.go_back()  # the variables form is a layer too: Back closes it and stays in the app
    expect(field).to_have_count(0)
    assert page.url == here
    prompt.fill("/p greet")
    page.get_by_role("button", name="send", exact=True).click()
    field.press("Escape")
    expect(field).to_have_count(0)
    # focus went back to where the form was opened from (the send button tapped), not to the page
    expect(page.get_by_role("button", name="send", exact=True)).to_be_focused()
