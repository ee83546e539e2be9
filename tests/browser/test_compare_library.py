"""Compare in the browser (side by side on a desktop, swipeable tabs on a phone, each answer live, picking
one continues on it; the versions of a regenerated answer side by side from its menu) and the prompt
library (/p fills two variables and sends; /preset applies one)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from llm_router.testing import FakeProvider
from llm_router.testing.script import Behaviour
from tests.browser.conftest import DESKTOP, PHONE, PageFactory, screenshot
from tests.browser.helpers import assistant, menu_action, send, wait_complete
from tests.support.waiting import wait_until

pytestmark = pytest.mark.browser

MODELS = ["gpt-4o", "gpt-4o-mini", "claude-haiku-4-5"]


def _script(fake: FakeProvider) -> None:
    for model in MODELS:  # each answer stops after 2 pieces until released: all three are live at once
        fake.enqueue(
            Behaviour(chunks=[f"{model} says ", "one ", "two ", "three"], pause_after=2), model=model
        )


@pytest.mark.parametrize(("size", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_compare_three_models_and_continue_with_one(
    pages: PageFactory, fake_provider: FakeProvider, size: str, viewport: dict[str, int]
) -> None:
    page = pages.new(viewport)
    page.evaluate("fetch('/api/models')")  # the catalog is loaded by the app before the command runs
    _script(fake_provider)
    send(page, f"/compare {' '.join(MODELS)} Which is best?")
    panel = page.locator(".compare")
    expect(panel).to_be_visible()
    columns = panel.locator(".compare-col")
    expect(columns).to_have_count(3)
    fake_provider.wait_until_paused(3)
    for model, column in zip(MODELS, columns.all(), strict=True):
        expect(column.locator(".compare-body")).to_contain_text(f"{model} says")  # live, before any ends
    expect(columns.nth(0)).to_have_attribute("data-status", "streaming")
    fake_provider.release()
    for column in columns.all():
        expect(column).to_have_attribute("data-status", "complete", timeout=20_000)
        expect(column.locator(".compare-meta")).to_contain_text("ttft")
    boxes = [c.bounding_box() for c in columns.all()]
    assert all(b is not None for b in boxes)
    tabs = panel.locator(".compare-tab")
    if size == "desktop":  # side by side: three columns on one row, tabs hidden
        assert len({round(b["y"]) for b in boxes if b}) == 1
        assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"]  # type: ignore[index]
        expect(tabs.first).to_be_hidden()
    else:  # phone: one answer fills the width; the tabs (and a swipe) bring the others into view
        expect(tabs).to_have_count(3)
        assert boxes[0]["width"] > 300  # type: ignore[index]
        tabs.nth(1).click()
        expect(tabs.nth(1)).to_have_attribute("aria-selected", "true")
        expect(columns.nth(1)).to_be_in_viewport(ratio=0.95)  # the strip scrolled to the second answer
        expect(columns.nth(0)).not_to_be_in_viewport()
    screenshot(page, f"18-compare-{size}")

    columns.nth(1).get_by_role("button", name="continue with this").click()
    expect(panel).to_be_hidden()
    wait_complete(assistant(page))
    expect(assistant(page)).to_contain_text("gpt-4o-mini says one two three")
    fake_provider.enqueue(Behaviour(chunks=["on the picked branch"]), model="gpt-4o-mini")
    send(page, "/model gpt-4o-mini")
    send(page, "go on")
    expect(assistant(page)).to_contain_text("on the picked branch", timeout=20_000)
    chats = [r.json for r in fake_provider.requests if r.json and "messages" in r.json]
    last = next(r for r in reversed(chats) if r["messages"][-1]["content"] == "go on")
    assert [m["content"] for m in last["messages"] if m["role"] == "assistant"] == [
        "gpt-4o-mini says one two three"
    ]


@pytest.mark.parametrize(("size", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_versions_of_an_answer_compared_side_by_side_and_one_picked(
    pages: PageFactory, fake_provider: FakeProvider, size: str, viewport: dict[str, int]
) -> None:
    page = pages.new(viewport)
    fake_provider.enqueue(Behaviour(chunks=["the first version"]))
    send(page, "say it")
    wait_complete(assistant(page))
    menu = assistant(page).locator("button.more")
    menu.click()
    expect(assistant(page).get_by_role("menuitem", name="compare versions")).to_have_count(0)  # only one
    page.keyboard.press("Escape")
    fake_provider.enqueue(Behaviour(chunks=["the second version"]))
    menu_action(assistant(page), "regenerate")
    expect(assistant(page)).to_contain_text("the second version", timeout=20_000)
    wait_complete(assistant(page))

    menu_action(assistant(page), "compare versions")
    panel = page.get_by_role("dialog", name="compare answers")
    columns = panel.locator(".compare-col")
    expect(columns).to_have_count(2)
    expect(panel.locator(".compare-prompt")).to_contain_text("say it")
    expect(columns.nth(0).locator(".compare-body")).to_have_text("the first version")
    expect(columns.nth(1).locator(".compare-body")).to_have_text("the second version")
    expect(columns.nth(0).locator("strong")).to_have_text("1 · gpt-5.1")  # one model: told apart by number
    expect(columns.nth(0)).to_have_attribute("data-status", "complete")
    screenshot(page, f"18-compare-versions-{size}")

    if size == "phone":
        panel.locator(".compare-tab").nth(0).click()
        expect(columns.nth(0)).to_be_in_viewport(ratio=0.95)
    columns.nth(0).get_by_role("button", name="continue with this").click()
    expect(panel).to_have_count(0)
    expect(assistant(page)).to_contain_text("the first version")
    expect(assistant(page).locator(".siblings")).to_contain_text("1/2")


def test_a_saved_prompt_with_two_variables_is_filled_and_sent(
    pages: PageFactory, fake_provider: FakeProvider
) -> None:
    page = pages.new(PHONE)
    created = page.request.post(
        "/api/prompts", data={"name": "translate", "body": "Translate {{text}} into {{language}}."}
    )
    assert created.status == 201
    with page.expect_response("**/api/presets"):  # the names /p completes load once the chat is idle
        page.reload()
    prompt = page.get_by_label("message", exact=True)
    first = page.locator("#command-popup .popup-item .label").first

    def completes() -> bool:  # the names arrive once both lists are read, a moment after the responses
        prompt.fill("")
        prompt.press_sequentially("/p tr")
        # until the names arrive, "/p tr" matches nothing and the popup stays hidden: look, don't wait
        return first.is_visible() and first.text_content() == "translate"

    wait_until(completes, timeout=20, interval=0.3, message="/p to complete the saved prompt's name")
    prompt.fill("/p translate")
    page.get_by_role("button", name="send", exact=True).click()
    form = page.locator("form.fill")
    expect(form).to_be_visible()
    form.get_by_label("text").fill("good morning")
    form.get_by_label("language").fill("French")
    screenshot(page, "18-prompt-form-phone")
    form.get_by_role("button", name="send").click()
    expect(form).to_be_hidden()
    expect(page.locator("article.msg-user").last).to_contain_text("Translate good morning into French.")
    wait_complete(assistant(page))
    chats = [r.json for r in fake_provider.requests if r.json and "messages" in r.json]
    assert any(r["messages"][-1]["content"] == "Translate good morning into French." for r in chats)


def test_a_preset_applies_model_reasoning_and_system_prompt(pages: PageFactory) -> None:
    page = pages.new(DESKTOP)
    body = {"name": "careful", "model": "gpt-4o-mini", "reasoning": "high", "system_prompt": "Think twice."}
    assert page.request.post("/api/presets", data=body).status == 201
    send(page, "/preset careful")
    expect(page.locator(".sl-model")).to_have_text("gpt-4o-mini")
    expect(page.get_by_text("system prompt: Think twice.")).to_be_visible()
    cid = page.evaluate("location.hash").split("/")[-1]
    conversation = page.request.get(f"/api/conversations/{cid}").json()
    assert (conversation["model"], conversation["reasoning"]) == ("gpt-4o-mini", "high")
    assert conversation["system_prompt"] == "Think twice."
    send(page, "/preset")
    expect(page.locator(".library")).to_be_visible()
    expect(page.locator(".library .entry[data-name=careful]")).to_be_visible()
    screenshot(page, "18-library-desktop")


@pytest.mark.parametrize(("size", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_the_library_edits_entries_and_an_admin_shares_them(
    pages: PageFactory, size: str, viewport: dict[str, int]
) -> None:
    page = pages.new(viewport)  # the first account is the instance's admin
    made = page.request.post("/api/prompts", data={"name": "fix", "body": "Fix {{code}}"}).json()
    send(page, "/p")
    library = page.get_by_role("dialog", name="prompt library")
    library.locator(".entry[data-name=fix]").get_by_role("button", name="edit").click()
    form = library.get_by_role("form", name="edit prompt fix")
    expect(form.get_by_label("text ({{variable}})")).to_have_value("Fix {{code}}")
    expect(form.get_by_label("shared with")).to_be_hidden()  # an entry keeps its scope
    form.get_by_label("text ({{variable}})").fill("Fix {{code}} and explain why")
    form.get_by_role("button", name="save changes").click()
    expect(library.locator(".entry[data-name=fix] pre")).to_have_text("Fix {{code}} and explain why")
    prompt = page.request.get(f"/api/prompts/{made['id']}").json()
    assert (prompt["body"], prompt["variables"], prompt["scope"]) == (
        "Fix {{code}} and explain why",
        ["code"],
        "user",
    )

    presets = library.get_by_role("form", name="new preset")
    presets.get_by_label("name", exact=True).fill("team")
    presets.get_by_label("model").fill("gpt-4o-mini")
    presets.get_by_label("shared with").select_option(label="everyone here")
    presets.get_by_role("button", name="save preset").click()
    team = library.locator(".entry[data-name=team]")
    expect(team).to_contain_text("instance")
    team.get_by_role("button", name="edit").click()
    edit = library.get_by_role("form", name="edit preset team")
    edit.get_by_label("reasoning").select_option("high")
    edit.get_by_label("model").fill("")  # cleared: the conversation's own model stays
    edit.get_by_role("button", name="save changes").click()
    expect(team.locator("pre")).to_have_text("high")
    screenshot(page, f"18-library-edit-{size}")
    (saved,) = [p for p in page.request.get("/api/presets").json()["items"] if p["name"] == "team"]
    assert (saved["scope"], saved["model"], saved["reasoning"]) == ("instance", None, "high")
