"""Memory in the web app: /remember, Settings → memory (turn on, accept or reject a proposal, edit, delete)
and the status line's ◆mem switch of a new conversation, at phone (touch) and desktop sizes."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from llm_router.testing import FakeProvider
from llm_router.testing.script import Behaviour
from tests.browser.conftest import DESKTOP, PHONE, Answers, PageFactory, screenshot
from tests.support.server import LiveServer
from tests.support.waiting import wait_until

pytestmark = pytest.mark.browser

PROPOSED = "Cycles to work in Lisbon"


def _conversation(url: str, answers: Answers) -> str:
    """A conversation with one exchange, through the real API and the fake server."""
    with httpx.Client(base_url=url, timeout=30) as api:
        conversation = api.post("/api/conversations", json={"title": "commute"}).json()
        answers.enqueue(Behaviour(chunks=["Nice."]))
        sent = api.post(
            f"/api/conversations/{conversation['id']}/messages", json={"content": "I cycle to work"}
        )
        wait_until(
            lambda: api.get(f"/api/messages/{sent.json()['assistant_message']['id']}").json()["status"],
            timeout=30,
            accept=lambda s: s == "complete",
            message="the answer",
        )
        return str(conversation["id"])


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_memory_screen_and_switch(
    pages: PageFactory,
    app_server: LiveServer,
    fake_provider: FakeProvider,
    answers: Answers,
    viewport: dict[str, int],
) -> None:
    size = "phone" if viewport is PHONE else "desktop"
    page = pages.new(viewport)
    prompt = page.get_by_label("message", exact=True)
    prompt.fill("/remember I prefer metric units")
    prompt.press("Enter")
    expect(page.get_by_text("remembered: I prefer metric units")).to_be_visible()

    page.get_by_role("button", name="settings").click()
    page.get_by_role("dialog", name="settings").get_by_role("button", name="memory").click()
    panel = page.get_by_role("dialog", name="memory")
    expect(panel.get_by_label("memory text")).to_have_value("I prefer metric units")
    switch = panel.get_by_label("remember facts about me across conversations")
    expect(switch).not_to_be_checked()
    switch.check()
    expect(panel.get_by_role("status")).to_contain_text("memory on")

    # on demand, from the open conversation: the cheap model proposes, nothing is stored as a memory yet
    conversation_id = _conversation(app_server.url, answers)
    page.goto(f"/#/c/{conversation_id}")
    page.reload()
    expect(page.locator("article.msg-assistant").last).to_contain_text("Nice.")
    page.get_by_role("button", name="settings").click()
    page.get_by_role("dialog", name="settings").get_by_role("button", name="memory").click()
    panel = page.get_by_role("dialog", name="memory")
    fake_provider.enqueue(Behaviour(json_answer=[PROPOSED, "Likes short answers"]))
    panel.get_by_role("button", name="propose from this conversation").click()
    expect(panel.get_by_role("status")).to_have_text("2 proposed: accept or reject them")
    with httpx.Client(base_url=app_server.url, timeout=10) as api:
        assert [m["text"] for m in api.get("/api/memory").json()["memories"]] == ["I prefer metric units"]
    proposals = panel.get_by_role("list", name="proposed memories")
    expect(proposals.get_by_text(PROPOSED)).to_be_visible()
    screenshot(page, f"memory-proposals-{size}")
    proposals.locator("li", has_text=PROPOSED).get_by_role("button", name="accept").click()
    proposals.locator("li", has_text="Likes short answers").get_by_role("button", name="reject").click()
    expect(proposals).to_contain_text("no proposals waiting")
    memories = panel.get_by_role("list", name="memories")
    expect(memories.get_by_label("memory text")).to_have_count(2)

    first = memories.locator("li").filter(has=page.locator("input[value='I prefer metric units']"))
    first.get_by_label("memory text").fill("I prefer metric units and 24-hour times")
    first.get_by_role("button", name="save").click()
    expect(panel.get_by_role("status")).to_have_text("saved")
    screenshot(page, f"memory-list-{size}")
    with httpx.Client(base_url=app_server.url, timeout=10) as api:
        overview = api.get("/api/memory").json()
    assert sorted(m["text"] for m in overview["memories"]) == sorted(
        [PROPOSED, "I prefer metric units and 24-hour times"]
    )
    assert overview["proposals"] == []
    memories.locator("li", has_text="").filter(has=page.locator(f"input[value='{PROPOSED}']")).get_by_role(
        "button", name="delete"
    ).click()
    expect(memories.get_by_label("memory text")).to_have_count(1)

    # a new conversation carries the memories: ◆mem in the status line, and a tap turns them off there
    panel.get_by_role("button", name="close").click()
    page.get_by_role("dialog", name="settings").get_by_role("button", name="close").click()
    prompt.fill("/new")
    prompt.press("Enter")
    expect(page.locator("article.msg-assistant")).to_have_count(0)
    answers.enqueue(Behaviour(chunks=["Noted."]))
    prompt.fill("What units do I like?")
    page.get_by_role("button", name="send").click()
    expect(page.locator("article.msg-assistant").last).to_contain_text("Noted.")
    switch_button = page.locator(".sl-memory")
    expect(switch_button).to_have_text("◆mem")
    expect(switch_button).to_have_attribute("aria-pressed", "true")
    screenshot(page, f"memory-statusline-{size}")
    chat_request = [
        r for r in fake_provider.requests if r.model == answers.chat_model and "What units" in str(r.json)
    ][-1]
    assert "24-hour times" in str(chat_request.json)
    switch_button.click() if viewport is DESKTOP else switch_button.tap()
    expect(switch_button).to_have_text("◇mem")
    expect(switch_button).to_have_attribute("aria-pressed", "false")
    conversation_id = page.evaluate("location.hash.split('/').pop()")
    with httpx.Client(base_url=app_server.url, timeout=10) as api:
        assert api.get(f"/api/conversations/{conversation_id}").json()["memory"] is False
