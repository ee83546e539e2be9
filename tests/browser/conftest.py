"""Browser tests: the built web app in Debian's Chromium (driven by Playwright), served by a real
LiveServer whose OpenAI provider is the fake provider server. SQLite only, to keep CI fast."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from llm_router.api.app import create_app
from llm_router.core.settings import Settings
from llm_router.testing import FakeProvider
from llm_router.testing.script import Behaviour
from llm_router.web import WEB_DIST
from tests.support.server import LiveServer

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """Browser tests run on SQLite only (the API itself is tested on both backends elsewhere)."""
    return str(request.param)


@pytest.fixture(scope="session")
def web_build() -> Path:
    """The served build, rebuilt when missing or older than its sources (as ./scripts/serve does)."""
    subprocess.run(
        ["bash", "-c", "source scripts/_common.sh && ensure_web_build"],
        cwd=ROOT,
        check=True,
    )
    assert (WEB_DIST / "index.html").is_file()
    return WEB_DIST


@pytest.fixture
def server_overrides() -> dict[str, object]:
    """Settings for the test's server beyond the defaults (auth none); a test module may override."""
    return {}


@pytest.fixture
def with_provider() -> bool:
    """Whether the server has a provider (the fake one); a test module may override."""
    return True


@pytest.fixture
def app_server(
    make_settings: Callable[..., Settings],
    fake_provider: FakeProvider,
    monkeypatch: pytest.MonkeyPatch,
    web_build: Path,
    server_overrides: dict[str, object],
    with_provider: bool,
) -> Iterator[LiveServer]:
    """The app with exactly one provider, OpenAI at the fake provider server (or none at all)."""
    for name in list(os.environ):
        if name.endswith(("_API_KEY", "_BASE_URL")):
            monkeypatch.delenv(name)
    if with_provider:
        monkeypatch.setenv("OPENAI_BASE_URL", fake_provider.openai_base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-fake-browser-tests")
    server = LiveServer(create_app(make_settings(**server_overrides))).start()
    yield server
    server.stop()


class Answers:
    """Scripts the fake provider's answers to the chat model only: the server also asks a model for
    conversation titles, and those requests must not take the answers meant for the chat."""

    def __init__(self, fake: FakeProvider, chat_model: str) -> None:
        self.fake = fake
        self.chat_model = chat_model

    def enqueue(self, behaviour: Behaviour) -> None:
        self.fake.enqueue(behaviour, model=self.chat_model)


@pytest.fixture
def answers(app_server: LiveServer, fake_provider: FakeProvider) -> Answers:
    models = httpx.get(f"{app_server.url}/api/models").json()
    default = models["default_model"]
    chat_model = next(m["model"] for m in models["models"] if m["id"] == default)
    return Answers(fake_provider, chat_model)


class PageFactory:
    """Opens pages on the app at a viewport size; collects uncaught page errors to fail the test."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.contexts: list[BrowserContext] = []
        self.errors: list[str] = []

    def new(self, viewport: dict[str, int] = PHONE, path: str = "/", ready: str = ".statusline") -> Page:
        context = self.browser.new_context(
            viewport=viewport,  # type: ignore[arg-type]
            base_url=self.base_url,
            permissions=["clipboard-read", "clipboard-write"],
            has_touch=viewport["width"] < 1024,
        )
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.goto(path)
        page.locator(ready).wait_for()
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(app_server: LiveServer) -> Iterator[PageFactory]:
    """Pages on the app in a fresh Chromium. Started per test and after the database and server:
    sync Playwright keeps an event loop running in this thread, which the database fixtures'
    ``asyncio.run`` cannot share."""
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: ./scripts/test installs it (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        factory = PageFactory(browser, app_server.url)
        yield factory
        factory.close()
        browser.close()
    assert factory.errors == [], f"uncaught errors in the page: {factory.errors}"


def screenshot(page: Page, name: str) -> Path:
    """Saves a screenshot for people to look at (test-artifacts/ is git-ignored), once the transitions
    under way have ended (a drawer caught sliding in looks cut off); endless animations are not waited for."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.wait_for_function(
        """() => document.getAnimations().every(a => a.playState !== 'running'
            || a.effect?.getComputedTiming().endTime === Infinity)""",
        timeout=5000,
    )
    page.screenshot(path=str(path))
    return path
