"""Scheduled prompts in the web app (Settings → schedules): create from a simple form, see the next run
and description, run now and watch the last result and cost arrive, a failure shown in red with its
reason, pause, edit and delete — at phone (touch) and desktop sizes."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from llm_router.testing.script import Behaviour
from tests.browser.conftest import DESKTOP, PHONE, Answers, PageFactory, screenshot
from tests.support.server import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture
def server_overrides() -> dict[str, object]:
    return {"scheduler": False}  # nothing runs by itself during the test: "run now" does


def _open(page: Page) -> None:
    page.get_by_role("button", name="settings").click()
    page.get_by_role("dialog", name="settings").get_by_role("button", name="schedules").click()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_schedules_screen(
    pages: PageFactory, app_server: LiveServer, answers: Answers, viewport: dict[str, int]
) -> None:
    size = "phone" if viewport is PHONE else "desktop"
    page = pages.new(viewport)
    _open(page)
    panel = page.get_by_role("dialog", name="scheduled prompts")
    expect(panel.get_by_role("list", name="scheduled prompts")).to_contain_text("no scheduled prompts yet")
    panel.get_by_label("name", exact=True).fill("Morning brief")
    panel.get_by_label("prompt", exact=True).fill("Brief me for {{weekday}}")
    panel.get_by_label("schedule", exact=True).fill("every weekday at 07:00")
    panel.get_by_label("time zone").fill("Europe/Berlin")
    panel.get_by_role("button", name="schedule", exact=True).click()
    item = panel.locator("li.schedule", has_text="Morning brief")
    expect(item).to_contain_text("At 07:00 on Monday through Friday (Europe/Berlin)")
    expect(item.locator(".plan-next")).to_contain_text("07:00")  # in the schedule's time zone
    expect(item.locator(".plan-last")).to_have_text("last: never run")

    answers.enqueue(Behaviour(chunks=["Good ", "morning."]))
    item.get_by_role("button", name="run now").click()
    expect(item.locator(".plan-last")).to_contain_text("last: complete", timeout=30_000)
    expect(item.locator(".plan-last")).to_contain_text("$")
    expect(item.locator(".plan-excerpt")).to_have_text("Good morning.")
    expect(item.locator(".plan-next")).to_contain_text("1 run")
    screenshot(page, f"schedules-{size}")

    # a failing run is visible, in red, with the upstream's reason
    answers.enqueue(Behaviour(status=401, error_message="invalid api key"))
    item.get_by_role("button", name="run now").click()
    failed = item.locator(".plan-last")
    expect(failed).to_contain_text("last: error", timeout=30_000)
    expect(failed).to_have_class("plan-last plan-failed")
    screenshot(page, f"schedules-failed-{size}")

    item.get_by_role("button", name="pause").click()
    expect(item.locator(".plan-next")).to_contain_text("paused")
    item.get_by_role("button", name="edit").click()
    panel.get_by_label("schedule", exact=True).fill("every monday at 9:15")
    panel.get_by_role("button", name="save").click()
    expect(item).to_contain_text("At 09:15 on Monday")
    bad = panel.get_by_label("schedule", exact=True)
    item.get_by_role("button", name="edit").click()
    bad.fill("every blursday at 07:00")
    panel.get_by_role("button", name="save").click()
    expect(panel.get_by_role("status")).to_contain_text("cannot read the day 'blursday'")
    panel.get_by_role("button", name="cancel edit").click()

    with httpx.Client(base_url=app_server.url, timeout=10) as api:
        (saved,) = api.get("/api/schedules").json()
    assert (saved["cron"], saved["paused"], saved["runs"]) == ("15 9 * * 1", True, 2)

    page.evaluate("window.sameDocument = true")
    item.get_by_role("link", name="open").click()
    expect(page.locator("article.msg-assistant").first).to_contain_text("Good morning.")
    expect(panel).to_be_hidden()  # the link closed the screen and opened the conversation in place
    assert page.evaluate("window.sameDocument === true"), "opening the conversation reloaded the page"
    page.go_back()  # Back returns to where the screen was opened from
    expect(page.locator("article.msg-assistant")).to_have_count(0)
    _open(page)
    panel = page.get_by_role("dialog", name="scheduled prompts")
    panel.locator("li.schedule", has_text="Morning brief").get_by_role("button", name="delete").click()
    expect(panel.get_by_role("list", name="scheduled prompts")).to_contain_text("no scheduled prompts yet")


def test_a_schedule_made_from_a_preset_picked_in_the_form(pages: PageFactory, app_server: LiveServer) -> None:
    page = pages.new(PHONE)
    body = {"name": "careful", "model": "gpt-4o-mini", "reasoning": "high", "system_prompt": "Think twice."}
    assert page.request.post("/api/presets", data=body).status == 201
    _open(page)
    panel = page.get_by_role("dialog", name="scheduled prompts")
    panel.get_by_label("prompt", exact=True).fill("What changed overnight?")
    panel.get_by_label("schedule", exact=True).fill("every day at 06:30")
    panel.get_by_label("preset").select_option(label="preset: careful (gpt-4o-mini)")
    screenshot(page, "schedules-preset-phone")
    panel.get_by_role("button", name="schedule", exact=True).click()
    expect(panel.locator("li.schedule")).to_contain_text("gpt-4o-mini")  # the preset's model, shown
    (saved,) = page.request.get("/api/schedules").json()
    conversation = page.request.get(f"/api/conversations/{saved['conversation_id']}").json()
    assert (conversation["model"], conversation["reasoning"]) == ("gpt-4o-mini", "high")
    assert conversation["system_prompt"] == "Think twice."
    # editing does not offer the preset again: it shaped the conversation once, when the schedule was made
    panel.locator("li.schedule").get_by_role("button", name="edit").click()
    expect(panel.get_by_label("preset")).to_be_hidden()
