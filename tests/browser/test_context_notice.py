"""Issue #20, must-hold 2 in the web app: when earlier messages were left out to fit a small local
model's window, the answer says so in one short line ("2 earlier messages were left out to fit
ollama/llama3.2's 1k window"), at phone and desktop sizes; answers sent whole show nothing."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from llm_router.api.app import create_app
from llm_router.core.settings import Settings
from llm_router.testing import FakeProvider
from llm_router.testing.local_server import LocalServer
from tests.browser.conftest import DESKTOP, PHONE, PageFactory, screenshot
from tests.browser.helpers import assistant, send, wait_complete
from tests.support.chat import wait_final
from tests.support.server import LiveServer
from tests.support.waiting import wait_until

pytestmark = pytest.mark.browser

LOCAL = "ollama/llama3.2"
TURN = 600  # characters: two exchanges of this fit a 1k window's prompt budget (512 tokens), three do not


@pytest.fixture
def overflow() -> str:
    """``LLM_ROUTER_CONTEXT_OVERFLOW`` of the test's server (a test class may override)."""
    return "trim"


@pytest.fixture
def app_server(
    make_settings: Callable[..., Settings],
    local_provider: FakeProvider,
    monkeypatch: pytest.MonkeyPatch,
    web_build: Path,
    overflow: str,
) -> Iterator[LiveServer]:
    """The app with one provider: Ollama at the local fake, in llama.cpp-like local-server mode."""
    for name in list(os.environ):
        if name.endswith(("_API_KEY", "_BASE_URL")):
            monkeypatch.delenv(name)
    local_provider.models = ["llama3.2"]
    local_provider.local_server = LocalServer("llama.cpp", n_ctx=1024)
    monkeypatch.setenv("OLLAMA_BASE_URL", local_provider.url)
    server = LiveServer(create_app(make_settings(context_overflow=overflow))).start()
    yield server
    server.stop()


def text(n: int) -> str:
    return f"turn {n}: " + "lorem ipsum " * ((TURN - 8) // 12)


def two_exchanges(server: LiveServer) -> str:
    """A conversation with the local model and two exchanges that just fit; returns its id."""
    with httpx.Client(base_url=server.url, timeout=30) as api:
        wait_until(
            lambda: api.get("/api/models").json()["models"],
            timeout=15,
            accept=lambda models: any(
                m["id"] == LOCAL and m["capabilities"]["context_window"] == 1024 for m in models
            ),
            message="the local model's window from /props",
        )
        cid = str(api.post("/api/conversations", json={"model": LOCAL, "title": "small window"}).json()["id"])
        for n in (1, 2):
            sent = api.post(f"/api/conversations/{cid}/messages", json={"content": text(n)}).json()
            assert wait_final(api, sent["assistant_message"]["id"])["status"] == "complete"
    return cid


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_an_answer_says_how_many_earlier_messages_were_left_out(
    app_server: LiveServer, pages: PageFactory, viewport: dict[str, int]
) -> None:
    cid = two_exchanges(app_server)
    page = pages.new(viewport, path=f"/#/c/{cid}")
    expect(page.locator("article.msg-assistant")).to_have_count(2)
    send(page, text(3))
    answer = assistant(page)
    wait_complete(answer)
    note = answer.locator(".msg-note")
    expect(note).to_be_visible()
    expect(note).to_have_text(f"2 earlier messages were left out to fit {LOCAL}'s 1k window")
    expect(page.locator("article.msg-assistant .msg-note:visible")).to_have_count(1)
    box = note.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= viewport["width"], "the notice stays inside the screen"
    answer.scroll_into_view_if_needed()
    screenshot(page, f"context-notice-{'phone' if viewport is PHONE else 'desktop'}")


class TestRefused:
    @pytest.fixture
    def overflow(self) -> str:
        return "refuse"

    def test_a_refused_turn_says_why_and_suggests_branching(
        self, app_server: LiveServer, pages: PageFactory
    ) -> None:
        cid = two_exchanges(app_server)
        page = pages.new(PHONE, path=f"/#/c/{cid}")
        expect(page.locator("article.msg-assistant")).to_have_count(2)
        send(page, text(3))
        shown = page.get_by_text(f"does not fit {LOCAL}'s 1k context window")
        expect(shown).to_be_visible()
        expect(shown).to_contain_text("Branch from a recent message")
        expect(page.locator("article.msg")).to_have_count(4)  # nothing was added
        screenshot(page, "context-refused-phone")
