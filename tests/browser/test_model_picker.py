"""Must-hold 2: the model picker (tapping the model name, or /model) lists every configured provider's
models grouped by provider, with prices, context size and capability marks, searchable and scrollable;
a provider whose model list failed is shown in error, with its reason, before anything is sent."""

from __future__ import annotations

import socket

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE, PageFactory, screenshot
from tests.support.waiting import wait_until

pytestmark = pytest.mark.browser


@pytest.fixture
def server_overrides() -> dict[str, object]:
    return {"allowed_private_hosts": ["127.0.0.1"]}


def dead_url() -> str:
    """A local port nobody listens on: the provider's model list fails with a connection error."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def add_broken_provider(page: Page, base_url: str) -> None:
    body = {"name": "deadhost", "protocol": "openai", "api_key": "sk-dead-0000", "base_url": base_url}
    response = page.request.post("/api/keys", data=body, headers={"Origin": page.url.split("/#")[0]})
    assert response.ok, response.text()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_picker_groups_models_with_prices_and_shows_a_failing_provider(
    pages: PageFactory, viewport: dict[str, int]
) -> None:
    page = pages.new(viewport)
    add_broken_provider(page, dead_url())

    def listed_in_error() -> dict[str, object] | None:
        models = page.request.get("/api/models").json()
        dead = next(p for p in models["providers"] if p["name"] == "deadhost")
        return models if dead["status"] == "error" else None

    catalog = wait_until(listed_in_error, message="the broken provider's model list to fail")
    page.reload()
    page.locator(".statusline").wait_for()

    page.get_by_role("button", name="choose model").click()
    picker = page.get_by_role("dialog", name="choose a model")
    expect(picker).to_be_visible()
    search = picker.get_by_role("combobox", name="search models")
    expect(search).to_be_focused()
    listbox = picker.get_by_role("listbox", name="models")

    # every configured provider's models, each under its provider, with price and context size
    openai = listbox.get_by_role("group", name="openai")
    listed = [m for m in catalog["models"] if m["provider"] == "openai"]
    expect(openai.get_by_role("option")).to_have_count(len(listed))
    priced = next(m for m in listed if m["price"] and m["capabilities"]["context_window"])
    row = openai.locator(f'[data-model="{priced["id"]}"]')
    expect(row).to_contain_text(f"${priced['price']['input_per_mtok']:g} in")
    expect(row).to_contain_text(f"${priced['price']['output_per_mtok']:g} out /1M")
    expect(row).to_contain_text("k ctx")
    if priced["capabilities"]["reasoning"]:
        expect(row.locator(".mark-reasoning")).to_be_visible()

    # the failing provider says so before any send
    head = picker.locator(".pick-head", has_text="deadhost")
    expect(head).to_contain_text("error:")
    screenshot(picker.page, f"15-picker-{'phone' if viewport is PHONE else 'desktop'}")

    # the list scrolls: the last model can be reached
    last = listbox.get_by_role("option").last
    last.scroll_into_view_if_needed()
    expect(last).to_be_in_viewport()

    # search narrows it, Enter picks, the status line shows the choice, recently used comes first
    search.fill(priced["id"])
    expect(listbox.get_by_role("option").first).to_have_attribute("data-model", priced["id"])
    search.press("Enter")
    expect(picker).to_have_count(0)
    expect(page.locator(".sl-model")).to_have_text(priced["id"])
    page.get_by_label("message", exact=True).fill("/model")
    page.get_by_role("button", name="send", exact=True).click()
    expect(picker).to_be_visible()
    recent = listbox.get_by_role("group", name="recently used")
    expect(recent.get_by_role("option")).to_have_count(1)
    expect(recent).to_contain_text(priced["id"])
    page.go_back()  # Back closes the picker and stays in the app
    expect(picker).to_have_count(0)
    expect(page.locator(".statusline")).to_be_visible()


def test_a_picker_opened_while_the_app_loads_keeps_its_focus(pages: PageFactory) -> None:
    """The composer takes focus once the app has loaded, unless the user already went somewhere: a quick
    tap on the model name must not have its search field taken away when the rest arrives."""
    page = pages.new(DESKTOP)
    held: list[object] = []
    page.route("**/api/conversations?*", lambda route: held.append(route))  # the list, answered later
    page.reload()
    page.get_by_role("button", name="choose model").click()
    search = page.get_by_role("dialog", name="choose a model").get_by_role("combobox", name="search models")
    expect(search).to_be_focused()
    wait_until(lambda: held, message="the conversation list to be asked for")
    for route in held:
        route.continue_()  # type: ignore[attr-defined]
    expect(page.locator(".conv-list")).to_be_attached()
    page.wait_for_timeout(300)  # the load's last step (focusing the composer) has run by now
    expect(search).to_be_focused()
