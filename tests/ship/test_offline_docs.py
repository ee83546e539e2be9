"""``/docs`` and ``/redoc`` render in Chromium with every request outside the server refused (no CDN)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Route, expect, sync_playwright

from llm_router.api.app import create_app
from llm_router.core.settings import Settings
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.support.server import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def server(make_settings: Callable[..., Settings]) -> Iterator[LiveServer]:
    server = LiveServer(create_app(make_settings())).start()
    yield server
    server.stop()


def test_api_docs_render_with_no_internet(server: LiveServer) -> None:
    elsewhere: list[str] = []

    def only_the_server(route: Route) -> None:
        if route.request.url.startswith(server.url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.route("**/*", only_the_server)
            page.goto(f"{server.url}/docs")
            expect(page.locator(".swagger-ui .info .title")).to_contain_text("llm-router")
            expect(page.locator(".opblock-summary-path").first).to_be_visible()
            page.goto(f"{server.url}/redoc")
            expect(page.locator("h1").first).to_contain_text("llm-router")
        finally:
            browser.close()
    assert elsewhere == []
