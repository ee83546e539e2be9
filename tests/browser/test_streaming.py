"""Must-hold 1 and 2: token-by-token streaming that ends as rendered markdown, copy copies the raw text;
reloading mid-stream continues the same message without duplicated text."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from llm_router.testing import FakeProvider
from llm_router.testing.script import Behaviour
from tests.browser.conftest import DESKTOP, PHONE, Answers, PageFactory, screenshot
from tests.browser.helpers import assistant, menu_action, send, wait_complete

pytestmark = pytest.mark.browser

ANSWER_CHUNKS = [
    "Here is ",
    "**bold** ",
    "and *italic* text.\n\n",
    "- first item\n",
    "- second item\n\n",
    "```python\n",
    "def greet(name):\n",
    "    return f'hi {name}'\n",
    "```\n\n",
    "| a | b |\n|---|---|\n| 1 | 2 |\n",
]
RAW = "".join(ANSWER_CHUNKS)

# Records every distinct text the assistant's body shows while it streams.
RECORD_SNAPSHOTS = """() => {
  window.__snapshots = [];
  new MutationObserver(() => {
    const body = document.querySelector('article.msg-assistant:last-of-type .msg-body');
    const text = body ? body.textContent : '';
    const last = window.__snapshots[window.__snapshots.length - 1];
    if (text && text !== last) window.__snapshots.push(text);
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def test_streams_token_by_token_then_renders_markdown_and_copies_raw_text(
    pages: PageFactory, answers: Answers
) -> None:
    answers.enqueue(Behaviour(chunks=ANSWER_CHUNKS, delay=0.15))
    page = pages.new(PHONE)
    page.evaluate(RECORD_SNAPSHOTS)
    send(page, "show me some markdown")

    message = assistant(page)
    expect(message).to_have_attribute("data-status", "streaming")
    expect(message.get_by_role("button", name="cancel")).to_be_visible()
    screenshot(page, "01-streaming-phone")
    wait_complete(message)

    snapshots: list[str] = page.evaluate("window.__snapshots")
    assert len(snapshots) >= 5, f"the answer did not arrive piece by piece: {snapshots}"
    assert any("Here is" in s and "second item" not in s for s in snapshots)

    body = message.locator(".msg-body")
    expect(body.locator("strong")).to_have_text("bold")
    expect(body.locator("em")).to_have_text("italic")
    expect(body.locator("li")).to_have_count(2)
    expect(body.locator("table td").first).to_have_text("1")
    expect(body.locator(".codeblock code")).to_contain_text("def greet(name):")
    expect(body.locator(".codeblock code.hljs")).to_have_count(1)  # highlighted once final
    assert "**" not in body.inner_text()
    screenshot(page, "01-complete-phone")

    message.locator(".msg-actions").get_by_role("button", name="copy to clipboard").click()
    assert page.evaluate("navigator.clipboard.readText()") == RAW

    message.locator(".codebar").get_by_role("button", name="copy to clipboard").click()
    assert page.evaluate("navigator.clipboard.readText()") == "def greet(name):\n    return f'hi {name}'\n"


def test_details_show_model_tokens_and_cost_from_the_menu(pages: PageFactory, answers: Answers) -> None:
    answers.enqueue(Behaviour(chunks=["short answer"]))
    page = pages.new(DESKTOP)
    send(page, "hello")
    message = assistant(page)
    wait_complete(message)
    menu_action(message, "details")
    details = message.locator(".msg-details")
    expect(details).to_be_visible()
    expect(details).to_contain_text("model")
    expect(details).to_contain_text("tokens")
    expect(details).to_contain_text("ttft")
    expect(page.locator(".sl-tokens")).not_to_have_text("0 tok")
    screenshot(page, "01-details-desktop")


def test_reload_mid_stream_continues_the_same_message_without_duplicates(
    pages: PageFactory, answers: Answers, fake_provider: FakeProvider
) -> None:
    words = [f"word{i:02d} " for i in range(40)]
    answers.enqueue(Behaviour(chunks=words, delay=0.02, pause_after=10))
    page = pages.new(PHONE)
    send(page, "count slowly")
    message = assistant(page)
    fake_provider.wait_until_paused()
    expect(message.locator(".msg-body")).to_contain_text("word09")
    message_id = message.get_attribute("data-message-id")

    page.reload()  # the generation is half done, held by the fake provider
    message = assistant(page)
    assert message.get_attribute("data-message-id") == message_id, "reload must reopen the same message"
    expect(message).to_have_attribute("data-status", "streaming")
    expect(message.locator(".msg-body")).to_contain_text("word09")
    screenshot(page, "02-resumed-phone")
    fake_provider.release()
    wait_complete(message)

    text = message.locator(".msg-body").inner_text().strip()
    assert text == "".join(words).strip()
    assert page.locator("article.msg-assistant").count() == 1


def test_reasoning_is_shown_folded_as_plain_text(pages: PageFactory, answers: Answers) -> None:
    answers.enqueue(
        Behaviour(reasoning_chunks=["Let me <b>think</b> ", "about it."], chunks=["The answer ", "is 42."])
    )
    page = pages.new(PHONE)
    send(page, "think first")
    message = assistant(page)
    wait_complete(message)
    expect(message.locator(".msg-body")).to_have_text("The answer is 42.")
    reasoning = message.locator(".msg-reasoning")
    expect(reasoning).to_be_visible()
    reasoning.locator("summary").click()
    expect(reasoning.locator(".reasoning-text")).to_have_text("Let me <b>think</b> about it.")
    expect(reasoning.locator("b")).to_have_count(0)


def test_long_answers_only_rerender_the_growing_tail(
    pages: PageFactory, answers: Answers, fake_provider: FakeProvider
) -> None:
    paragraphs = [f"Paragraph {i} with **some** text.\n\n" for i in range(200)]
    answers.enqueue(Behaviour(chunks=paragraphs, delay=0.005, pause_after=120))
    page = pages.new(DESKTOP)
    send(page, "a long answer please")
    message = assistant(page)
    expect(message.locator(".msg-body")).to_contain_text("Paragraph 3 ")
    page.evaluate("window.__first = document.querySelector('article.msg-assistant .msg-body p')")
    fake_provider.wait_until_paused()
    expect(message.locator(".msg-body")).to_contain_text("Paragraph 119 ")
    expect(message).to_have_attribute("data-status", "streaming")
    # finished paragraphs keep their DOM nodes while the answer grows (no full re-render per token)
    first = page.evaluate("[window.__first.isConnected, window.__first.textContent]")
    assert first == [True, "Paragraph 0 with some text."]
    fake_provider.release()
    wait_complete(message)
    expect(message.locator(".msg-body p")).to_have_count(200)
    assert message.locator(".msg-body").inner_text().count("Paragraph") == 200
