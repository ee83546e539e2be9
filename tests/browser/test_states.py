"""Visible message states with their actions (error → retry with the reason, streaming → cancel,
cancelled → continue), the offline banner with automatic reconnect, and the device id."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from llm_router.testing import FakeProvider
from llm_router.testing.script import Behaviour
from tests.browser.conftest import PHONE, Answers, PageFactory, screenshot
from tests.browser.helpers import assistant, send, wait_complete

pytestmark = pytest.mark.browser


def test_error_shows_the_reason_and_retry_answers(pages: PageFactory, answers: Answers) -> None:
    answers.enqueue(Behaviour(status=400, error_message="the prompt was refused upstream"))
    page = pages.new(PHONE)
    send(page, "please fail")
    message = assistant(page)
    expect(message).to_have_attribute("data-status", "error", timeout=20_000)
    expect(message.locator(".msg-state")).to_contain_text("error:")
    screenshot(page, "states-error-phone")
    answers.enqueue(Behaviour(chunks=["recovered ", "answer"]))
    message.get_by_role("button", name="retry").click()
    expect(assistant(page).locator(".sibling-count")).to_have_text("2/2")
    wait_complete(assistant(page))
    expect(assistant(page).locator(".msg-body")).to_have_text("recovered answer")


def test_cancel_keeps_the_text_and_continue_appends(pages: PageFactory, answers: Answers) -> None:
    answers.enqueue(Behaviour(chunks=[f"part{i:02d} " for i in range(60)], delay=0.1))
    page = pages.new(PHONE)
    send(page, "a long one")
    message = assistant(page)
    expect(message.locator(".msg-body")).to_contain_text("part02")
    message.get_by_role("button", name="cancel").click()
    expect(message).to_have_attribute("data-status", "cancelled")
    kept = message.locator(".msg-body").inner_text().strip()
    assert kept.startswith("part00 part01 part02")
    assert "part59" not in kept

    answers.enqueue(Behaviour(chunks=[" and the rest"]))
    message.get_by_role("button", name="continue").click()
    message = assistant(page)
    wait_complete(message)
    final = message.locator(".msg-body").inner_text().strip()
    assert final.startswith(kept)
    assert final.endswith("and the rest")


def test_offline_shows_a_banner_and_reconnects(
    pages: PageFactory, answers: Answers, fake_provider: FakeProvider
) -> None:
    words = [f"w{i:02d} " for i in range(40)]
    answers.enqueue(Behaviour(chunks=words, delay=0.02, pause_after=5))
    page = pages.new(PHONE)
    send(page, "stream while I go offline")
    message = assistant(page)
    fake_provider.wait_until_paused()
    expect(message.locator(".msg-body")).to_contain_text("w04")

    page.context.set_offline(True)
    expect(page.get_by_role("alert")).to_contain_text("offline")
    expect(page.locator(".sl-connection")).to_have_text("○ offline")
    screenshot(page, "states-offline-phone")
    fake_provider.release()  # the server goes on while the phone is offline
    page.context.set_offline(False)
    expect(page.get_by_role("alert")).to_be_hidden()
    wait_complete(message)
    assert message.locator(".msg-body").inner_text().strip() == "".join(words).strip()


def test_device_id_is_sent_and_survives_refresh_and_clearing_storage(pages: PageFactory) -> None:
    page = pages.new(PHONE)
    seen: list[str | None] = []
    page.on("request", lambda r: seen.append(r.headers.get("x-device-id")) if "/api/" in r.url else None)
    page.reload()
    page.locator(".statusline").wait_for()
    first = page.evaluate("localStorage.getItem('llm-router.device-id')")
    assert first
    page.evaluate("localStorage.clear()")
    page.reload()
    page.locator(".statusline").wait_for()
    assert page.evaluate("localStorage.getItem('llm-router.device-id')") == first  # from the cookie
    page.context.clear_cookies()
    page.reload()
    page.locator(".statusline").wait_for()
    assert page.evaluate("localStorage.getItem('llm-router.device-id')") == first  # from storage
    assert seen
    assert set(seen) == {first}


def test_a_refused_first_message_keeps_the_text_and_leaves_no_conversation(
    pages: PageFactory, fake_provider: FakeProvider
) -> None:
    # the only provider is a cloud one: #no_cloud cannot be served, and the server says so (400)
    page = pages.new(PHONE)
    send(page, "#no_cloud what is in my diary?")
    expect(page.locator(".chat-notice.error").last).to_contain_text("#no_cloud")
    expect(page.get_by_label("message", exact=True)).to_have_value("#no_cloud what is in my diary?")
    screenshot(page, "states-no-cloud-refused-phone")
    assert [r for r in fake_provider.requests if r.path.endswith("/chat/completions")] == []
    # the conversation made for this first message is removed again (bounded wait for that request)
    left = None
    for _ in range(50):
        left = page.evaluate("fetch('/api/conversations').then(r => r.json()).then(b => b.items.length)")
        if left == 0:
            break
        page.wait_for_timeout(100)
    assert left == 0
