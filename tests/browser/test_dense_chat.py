"""The denser chat, at 390×844 touch and 1440×900: light message frames with copy in the row and the rest
in a per-message menu (tap, long press or right click; Esc closes it and gives focus back); compact
drawer rows grouped Today / Yesterday / Previous 7 days / Older with dates in the user's locale and their
actions in a menu; a branch marked as one and linked back to its source; the system prompt pinned and
editable (and really sent); search hits saying whose text and when."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import expect

from llm_router.testing import FakeProvider
from llm_router.testing.script import Behaviour
from tests.browser.conftest import DESKTOP, PHONE, Answers, PageFactory, screenshot
from tests.browser.helpers import assistant, menu_action, open_drawer_if_phone, send, wait_complete
from tests.support.server import LiveServer

pytestmark = pytest.mark.browser

SIZES = [pytest.param(PHONE, id="phone"), pytest.param(DESKTOP, id="desktop")]


def size_name(viewport: dict[str, int]) -> str:
    return "phone" if viewport is PHONE else "desktop"


@pytest.fixture
def german_pages(pages: PageFactory) -> Iterator[PageFactory]:
    """Pages whose browser speaks German, in UTC (the day groups are the user's calendar days)."""
    original = pages.browser.new_context

    def new_context(**options: object) -> object:
        return original(locale="de-DE", timezone_id="UTC", **options)  # type: ignore[arg-type]

    pages.browser.new_context = new_context  # type: ignore[method-assign]
    yield pages
    pages.browser.new_context = original  # type: ignore[method-assign]


def set_updated(database_url: str, stamps: dict[str, datetime]) -> None:
    path = database_url.removeprefix("sqlite+aiosqlite:///")
    with sqlite3.connect(path) as db:
        for cid, stamp in stamps.items():
            value = stamp.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
            db.execute("UPDATE conversations SET updated_at = ? WHERE id = ?", (value, cid))


def api(server: LiveServer) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"Origin": server.url}, timeout=30)


@pytest.mark.parametrize("viewport", SIZES)
def test_message_actions_live_in_a_menu_with_copy_one_tap_away(
    pages: PageFactory, answers: Answers, viewport: dict[str, int]
) -> None:
    answers.enqueue(Behaviour(chunks=["an ", "answer"]))
    page = pages.new(viewport)
    send(page, "hello there")
    message = assistant(page)
    wait_complete(message)
    row = message.locator(".msg-actions")
    expect(row.get_by_role("button", name="copy to clipboard")).to_be_visible()
    # copy, read aloud (there from the first render: added later it shifted the layout) and the menu
    expect(row.get_by_role("button")).to_have_count(3)
    expect(row.get_by_role("button", name="read aloud")).to_be_visible()
    # the frame is light: no box around the answer, a rule on its left
    border = message.evaluate(
        "el => getComputedStyle(el).borderTopWidth + ' ' + getComputedStyle(el).borderLeftWidth"
    )
    assert border == "0px 2px", border

    more = message.get_by_role("button", name="message actions")
    more.click()
    menu = message.get_by_role("menu")
    expect(menu.get_by_role("menuitem")).to_have_text(["regenerate", "branch from here", "details"])
    expect(menu.get_by_role("menuitem").first).to_be_focused()
    screenshot(page, f"dense-01-message-menu-{size_name(viewport)}")
    page.keyboard.press("Escape")
    expect(menu).to_have_count(0)
    expect(more).to_be_focused()
    expect(more).to_have_attribute("aria-expanded", "false")

    # a long press (touch) or a right click opens the same menu; the user's own message can be edited
    user = page.locator("article.msg-user").last
    if viewport is PHONE:
        user.locator(".msg-body").dispatch_event("contextmenu")  # what a long press fires on Android
    else:
        user.locator(".msg-body").click(button="right")
    expect(user.get_by_role("menuitem", name="edit")).to_be_visible()
    page.keyboard.press("Escape")
    menu_action(message, "details")
    expect(message.locator(".msg-details")).to_contain_text("ttft")
    screenshot(page, f"dense-02-details-{size_name(viewport)}")


@pytest.mark.parametrize("viewport", SIZES)
def test_drawer_rows_are_compact_grouped_by_day_in_the_users_locale(
    german_pages: PageFactory, app_server: LiveServer, database_url: str, viewport: dict[str, int]
) -> None:
    now = datetime.now(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    with api(app_server) as client:
        ids = {
            name: client.post("/api/conversations", json={"title": name}).json()["id"]
            for name in ("today chat", "yesterday chat", "this week chat", "old chat")
        }
    set_updated(
        database_url,
        {
            ids["today chat"]: now,
            ids["yesterday chat"]: midnight - timedelta(hours=12),
            ids["this week chat"]: midnight - timedelta(days=3, hours=12),
            ids["old chat"]: datetime(2025, 1, 15, 9, 30, tzinfo=UTC),
        },
    )
    page = german_pages.new(viewport)
    open_drawer_if_phone(page)
    expect(page.locator(".conv-group")).to_have_text(["Today", "Yesterday", "Previous 7 days", "Older"])
    old = page.locator(".conv", has_text="old chat")
    expect(old.locator(".conv-meta")).to_have_text("15. Jan. 2025")  # German: day first, "Jan."
    today = page.locator(".conv", has_text="today chat").locator(".conv-meta")
    # 24-hour clock, no AM/PM; the hour has one digit before 10:00 ("0:21" just after midnight)
    expect(today).to_have_text(re.compile(r"^\d{1,2}:\d{2}$"))
    heights = page.locator(".conv").evaluate_all("els => els.map(el => el.getBoundingClientRect().height)")
    assert all(h <= 48 for h in heights), heights  # one line each
    screenshot(page, f"dense-03-drawer-groups-{size_name(viewport)}")

    row = page.locator(".conv", has_text="this week chat")
    row.get_by_role("button", name="actions for this week chat").click()
    expect(row.get_by_role("menuitem")).to_have_text(["rename", "clone", "delete…"])
    screenshot(page, f"dense-04-row-menu-{size_name(viewport)}")
    page.keyboard.press("Escape")
    expect(row.get_by_role("menu")).to_have_count(0)


@pytest.mark.parametrize("viewport", SIZES)
def test_a_branch_is_marked_and_links_back_to_its_source(
    pages: PageFactory, answers: Answers, viewport: dict[str, int]
) -> None:
    answers.enqueue(Behaviour(chunks=["first answer"]))
    answers.enqueue(Behaviour(chunks=["second answer"]))
    page = pages.new(viewport)
    send(page, "first question")
    wait_complete(assistant(page))
    send(page, "second question")
    expect(page.locator("article.msg-assistant")).to_have_count(2)
    wait_complete(assistant(page))
    source = page.evaluate("location.hash").removeprefix("#/c/")
    # the server names it after the first exchange (the fake titler answers "Echo: …")
    expect(page.locator(".topbar .title")).to_have_text(re.compile("^Echo: "))
    source_title = page.locator(".topbar .title").inner_text()
    menu_action(assistant(page, 0), "branch from here")
    expect(page).not_to_have_url(re.compile(source))
    lineage = page.locator(".pinned .lineage")
    expect(lineage).to_contain_text("branched from")
    expect(lineage.get_by_role("link")).to_have_text(source_title)
    expect(page.locator("article.msg")).to_have_count(2)
    screenshot(page, f"dense-05-branch-{size_name(viewport)}")
    open_drawer_if_phone(page)
    branch_row = page.locator(".conv.active")
    expect(branch_row.locator(".mark-icon.icon-branch")).to_be_visible()
    expect(branch_row.locator(".conv-title")).to_have_text(source_title)
    if viewport is PHONE:
        page.keyboard.press("Escape")
        expect(page.locator("#sidebar")).to_be_hidden()
    lineage.get_by_role("link").click()
    expect(page).to_have_url(re.compile(f"#/c/{source}$"))
    expect(page.locator("article.msg")).to_have_count(4)
    expect(page.locator(".pinned .lineage")).to_have_count(0)


@pytest.mark.parametrize("viewport", SIZES)
def test_system_prompt_is_pinned_editable_and_sent(
    pages: PageFactory, answers: Answers, fake_provider: FakeProvider, viewport: dict[str, int]
) -> None:
    answers.enqueue(Behaviour(chunks=["hello"]))
    answers.enqueue(Behaviour(chunks=["bonjour"]))
    page = pages.new(viewport)
    send(page, "hi")
    wait_complete(assistant(page))
    block = page.locator(".pinned .system-prompt")
    expect(block.locator("summary")).to_contain_text("none")
    block.locator("summary").click()
    block.get_by_role("button", name="edit").click()
    area = block.get_by_label("system prompt")
    expect(area).to_be_focused()
    area.fill("Answer in French.\nBe brief.")
    screenshot(page, f"dense-06-system-edit-{size_name(viewport)}")
    block.get_by_role("button", name="save").click()
    expect(block.locator(".system-text")).to_have_text("Answer in French.\nBe brief.")
    expect(block.locator("summary .preview")).to_have_text("Answer in French.")
    cid = page.evaluate("location.hash").removeprefix("#/c/")
    assert (
        page.request.get(f"/api/conversations/{cid}").json()["system_prompt"]
        == "Answer in French.\nBe brief."
    )
    screenshot(page, f"dense-07-system-saved-{size_name(viewport)}")

    send(page, "how are you?")
    expect(page.locator("article.msg-assistant")).to_have_count(2)
    wait_complete(assistant(page))
    chat = [r.json for r in fake_provider.requests if isinstance(r.json, dict)]
    sent = [body for body in chat if body.get("model") == answers.chat_model][-1]
    assert sent["messages"][0] == {"role": "system", "content": "Answer in French.\nBe brief."}
    page.reload()  # still there after a reload, folded
    expect(page.locator(".pinned .system-prompt summary .preview")).to_have_text("Answer in French.")


def test_search_hits_say_whose_text_and_when_phone(pages: PageFactory, answers: Answers) -> None:
    answers.enqueue(Behaviour(chunks=["the zebra answer"]))
    page = pages.new(PHONE)
    send(page, "tell me about zebras zebra")
    wait_complete(assistant(page))
    open_drawer_if_phone(page)
    box = page.get_by_label("search conversations")
    box.fill("zebra")
    box.press("Enter")
    hits = page.locator(".search-results .result")
    expect(hits.locator(".hit-role", has_text="assistant")).to_have_count(1)
    expect(hits.locator(".hit-role", has_text="you")).to_have_count(1)
    year = str(datetime.now(UTC).year)
    expect(hits.first.locator(".hit-meta time")).to_contain_text(year)
    screenshot(page, "dense-08-search-hits-phone")
