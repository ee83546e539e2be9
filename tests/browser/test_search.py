"""Must-hold 5: search finds a word of an older conversation and jumps to that message, switching the
conversation's active path to it when it sits on another branch."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from llm_router.testing.script import Behaviour
from tests.browser.conftest import DESKTOP, PHONE, Answers, PageFactory, screenshot
from tests.browser.helpers import assistant, menu_action, open_drawer_if_phone, send, wait_complete

pytestmark = pytest.mark.browser


def make_history(page, answers: Answers) -> str:  # type: ignore[no-untyped-def]
    """An older conversation whose word 'termites' is only on a branch that is no longer shown,
    then a newer conversation."""
    answers.enqueue(Behaviour(chunks=["Aardvarks mostly eat ", "termites and ants."]))
    answers.enqueue(Behaviour(chunks=["Zebras have stripes."]))
    answers.enqueue(Behaviour(chunks=["Something else entirely."]))
    send(page, "what do aardvarks eat?")
    wait_complete(assistant(page))
    older = page.evaluate("location.hash")
    menu_action(page.locator("article.msg-user").first, "edit")
    page.get_by_label("edit message").fill("tell me about zebras")
    page.get_by_role("button", name="save & send").click()
    expect(assistant(page).locator(".msg-body")).to_have_text("Zebras have stripes.")

    send(page, "/new")
    send(page, "a newer conversation")
    wait_complete(assistant(page))
    return str(older)


def search_and_jump(page, query: str) -> None:  # type: ignore[no-untyped-def]
    open_drawer_if_phone(page)
    box = page.get_by_label("search conversations")
    box.fill(query)
    box.press("Enter")
    result = page.locator(".search-results .result").filter(has=page.locator("mark", has_text=query)).first
    expect(result).to_be_visible()
    expect(result.locator("mark")).to_have_text(query)
    screenshot(page, f"05-results-{page.viewport_size['width']}")  # type: ignore[index]
    result.click()


def test_search_jumps_to_the_message_on_its_branch_phone(pages: PageFactory, answers: Answers) -> None:
    page = pages.new(PHONE)
    older = make_history(page, answers)
    search_and_jump(page, "termites")

    expect(page).to_have_url(re.compile(re.escape(older) + "$"))
    target = page.locator("article.msg", has_text="termites and ants")
    expect(target).to_be_visible()
    expect(target).to_be_in_viewport()
    expect(target).to_have_class("msg msg-assistant flash")
    expect(page.locator("article.msg-user .msg-body")).to_have_text("what do aardvarks eat?")
    expect(page.locator("#sidebar")).not_to_be_in_viewport()  # the drawer closed
    screenshot(page, "05-jumped-phone")


def test_search_from_the_slash_command_desktop(pages: PageFactory, answers: Answers) -> None:
    page = pages.new(DESKTOP)
    older = make_history(page, answers)
    send(page, "/search termites")
    result = page.locator(".search-results .result").first
    expect(result.locator("mark")).to_have_text("termites")
    result.click()
    expect(page).to_have_url(re.compile(re.escape(older) + "$"))
    expect(page.locator("article.msg", has_text="termites and ants")).to_be_in_viewport()
