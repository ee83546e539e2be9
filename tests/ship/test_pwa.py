"""The installable app in Chromium: the manifest and the service worker register, the app shell loads
offline, and the cache holds the shell only — after sign-out an offline reload shows the offline screen
and no conversation data (no API response was ever cached)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from llm_router.api.app import create_app
from llm_router.core.settings import Settings
from llm_router.web import WEB_DIST
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE
from tests.support.server import LiveServer

pytestmark = pytest.mark.browser
SECRET_TITLE = "my very private conversation"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def server(make_settings: Callable[..., Settings]) -> Iterator[LiveServer]:
    if not (WEB_DIST / "sw.js").is_file():
        pytest.fail("the web app is not built: ./scripts/test builds it (or npm run build in frontend/)")
    server = LiveServer(create_app(make_settings(auth="password"))).start()
    yield server
    server.stop()


def post(page: Page, path: str, body: dict[str, str]) -> int:
    status: int = page.evaluate(
        """async ([path, body]) => (await fetch(path, {method: "POST", headers: {"content-type":
        "application/json"}, body: JSON.stringify(body)})).status""",
        [path, body],
    )
    return status


def cached_urls(page: Page) -> list[str]:
    urls: list[str] = page.evaluate(
        """async () => { const out = []; for (const key of await caches.keys()) {
        for (const request of await (await caches.open(key)).keys()) out.push(request.url); } return out; }"""
    )
    return urls


def test_installable_shell_only_cache_and_offline_screen(server: LiveServer) -> None:
    manifest = httpx.get(f"{server.url}/manifest.webmanifest").json()
    assert manifest["display"] == "standalone"
    assert manifest["icons"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=PHONE, has_touch=True, base_url=server.url)  # type: ignore[arg-type]
            page = context.new_page()
            page.goto("/")
            assert page.evaluate(
                "() => navigator.serviceWorker.ready.then(r => r.active.scriptURL)"
            ).endswith("/sw.js")
            assert post(
                page, "/api/auth/setup", {"username": "admin", "password": "correct horse battery staple"}
            ) in (200, 201)
            page.reload()
            page.locator(".statusline").wait_for()
            assert post(page, "/api/conversations", {"title": SECRET_TITLE}) == 201
            page.reload()
            expect(page.get_by_text(SECRET_TITLE).first).to_be_attached()

            urls = cached_urls(page)
            assert any(url.endswith("/") for url in urls)
            assert any("/assets/" in url for url in urls)
            assert not [url for url in urls if "/api/" in url or "/v1/" in url]

            assert post(page, "/api/auth/logout", {}) == 204
            context.set_offline(True)
            page.reload()
            expect(page.locator(".offline-screen")).to_be_visible()
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "pwa-offline-phone.png"))
            assert SECRET_TITLE not in page.content()
            assert not [url for url in cached_urls(page) if "/api/" in url]
        finally:
            browser.close()
