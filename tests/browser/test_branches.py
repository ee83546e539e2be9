"""Must-hold 4: editing a user message makes a sibling (`2/2`), the arrows switch the visible path, and
"branch from here" copies the path into a new conversation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from llm_router.testing.script import Behaviour
from tests.browser.conftest import DESKTOP, PHONE, Answers, PageFactory, screenshot
from tests.browser.helpers import assistant, menu_action, send, wait_complete

pytestmark = pytest.mark.browser


def user_message(page, index: int = 0):  # type: ignore[no-untyped-def]
    return page.locator("article.msg-user").nth(index)


def test_edit_makes_a_sibling_and_arrows_switch_the_path(pages: PageFactory, answers: Answers) -> None:
    answers.enqueue(Behaviour(chunks=["answer ", "about cats"]))
    answers.enqueue(Behaviour(chunks=["answer ", "about dogs"]))
    page = pages.new(PHONE)
    send(page, "tell me about cats")
    wait_complete(assistant(page))

    first = user_message(page)
    menu_action(first, "edit")
    editor = page.get_by_label("edit message")
    editor.fill("tell me about dogs")
    page.get_by_role("button", name="save & send").click()

    expect(user_message(page).locator(".sibling-count")).to_have_text("2/2")
    expect(user_message(page).locator(".msg-body")).to_have_text("tell me about dogs")
    wait_complete(assistant(page))
    expect(assistant(page).locator(".msg-body")).to_have_text("answer about dogs")
    screenshot(page, "04-edited-phone")

    user_message(page).get_by_role("button", name="previous version").click()
    expect(user_message(page).locator(".sibling-count")).to_have_text("1/2")
    expect(user_message(page).locator(".msg-body")).to_have_text("tell me about cats")
    expect(assistant(page).locator(".msg-body")).to_have_text("answer about cats")

    user_message(page).get_by_role("button", name="next version").click()
    expect(user_message(page).locator(".sibling-count")).to_have_text("2/2")
    expect(assistant(page).locator(".msg-body")).to_have_text("answer about dogs")

    # the choice is the server's active path: a reload shows the same one
    page.reload()
    expect(user_message(page).locator(".sibling-count")).to_have_text("2/2")
    expect(assistant(page).locator(".msg-body")).to_have_text("answer about dogs")


def test_regenerate_and_branch_from_here(pages: PageFactory, answers: Answers) -> None:
    answers.enqueue(Behaviour(chunks=["first ", "take"]))
    answers.enqueue(Behaviour(chunks=["second ", "take"]))
    answers.enqueue(Behaviour(chunks=["more"]))
    page = pages.new(DESKTOP)
    send(page, "give me a take")
    wait_complete(assistant(page))
    menu_action(assistant(page), "regenerate")
    expect(assistant(page).locator(".sibling-count")).to_have_text("2/2")
    wait_complete(assistant(page))
    expect(assistant(page).locator(".msg-body")).to_have_text("second take")

    send(page, "and more")
    wait_complete(assistant(page, 1))
    original = page.evaluate("location.hash")

    # branch from the first answer: the new conversation holds the path up to it, and nothing after
    menu_action(assistant(page, 0), "branch from here")
    expect(page).not_to_have_url(re.compile(re.escape(original) + "$"))
    expect(page.locator("article.msg")).to_have_count(2)
    expect(assistant(page).locator(".msg-body")).to_have_text("second take")
    expect(page.locator(".conv-list .conv")).to_have_count(2)
    branched_id = page.evaluate("location.hash").split("/")[-1]
    branched = page.request.get(f"/api/conversations/{branched_id}").json()
    assert branched["parent_conversation_id"] == original.split("/")[-1]
    screenshot(page, "04-branched-desktop")
