"""Small helpers shared by the browser tests (driving the composer, waiting for answers)."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect


def send(page: Page, text: str) -> None:
    """Types and presses the send button (on phones Enter makes a new line; on desktops it sends)."""
    prompt = page.get_by_label("message", exact=True)
    prompt.fill(text)
    page.get_by_role("button", name="send", exact=True).click()


def assistant(page: Page, index: int = -1) -> Locator:
    messages = page.locator("article.msg-assistant")
    return messages.last if index == -1 else messages.nth(index)


def wait_complete(message: Locator, timeout: float = 20_000) -> None:
    expect(message).to_have_attribute("data-status", "complete", timeout=timeout)


def open_drawer_if_phone(page: Page) -> None:
    """On phones the conversation list is a drawer behind the ☰ button."""
    menu = page.get_by_role("button", name="conversations")
    if menu.is_visible():
        menu.click()
        expect(page.locator("#sidebar")).to_be_visible()


def menu_action(scope: Locator, label: str) -> None:
    """Chooses ``label`` from the "⋯" action menu of a message or a conversation row."""
    scope.locator("button.more").click()
    scope.get_by_role("menuitem", name=label, exact=True).click()
