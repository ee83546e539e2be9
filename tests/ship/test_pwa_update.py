"""A new version served while the app is open: the page offers "new version — reload", and accepting it
activates the new service worker (the old build's cache is dropped) and reloads into it.

The app serves a copy of the build (version A). Then the copy becomes version B the way a new build
differs: its service worker carries another build version (``frontend/build/service-worker.ts`` writes
it; a build checks that every build writes one). The browser finds the new worker when the page is
loaded again, installs it beside the running one, and the page shows the prompt."""

from __future__ import annotations

import gzip
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from llm_router.api.app import create_app
from llm_router.api.routes import web
from llm_router.core.settings import Settings
from llm_router.web import WEB_DIST
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, screenshot
from tests.support.server import LiveServer

pytestmark = pytest.mark.browser
VERSION = re.compile(r'const CACHE = "llm-router-shell-([0-9a-f]{16})";')


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    if not (WEB_DIST / "sw.js").is_file():
        pytest.fail("the web app is not built: ./scripts/test builds it (or npm run build in frontend/)")
    return Path(shutil.copytree(WEB_DIST, tmp_path / "site"))


@pytest.fixture
def server(
    make_settings: Callable[..., Settings], site: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LiveServer]:
    monkeypatch.setattr(web, "WEB_DIST", site)
    server = LiveServer(create_app(make_settings())).start()
    yield server
    server.stop()


def publish_version(site: Path, version: str) -> None:
    """Version B of the build: the same files, a service worker of another build version."""
    worker = site / "sw.js"
    worker.write_text(VERSION.sub(f'const CACHE = "llm-router-shell-{version}";', worker.read_text()))
    (site / "sw.js.gz").write_bytes(gzip.compress(worker.read_bytes()))


def cache_names(page: Page) -> list[str]:
    names: list[str] = page.evaluate("() => caches.keys()")
    return names


def test_a_new_version_is_offered_and_reloading_activates_it(server: LiveServer, site: Path) -> None:
    found = VERSION.search((site / "sw.js").read_text())
    assert found, "the build wrote no version into sw.js"
    version_a, version_b = found[1], "b" * 16
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=PHONE, has_touch=True, base_url=server.url)  # type: ignore[arg-type]
            page = context.new_page()
            page.goto("/")
            page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
            page.reload()  # now controlled by version A
            page.locator(".statusline").wait_for()
            assert page.evaluate("() => navigator.serviceWorker.controller !== null")
            assert f"llm-router-shell-{version_a}" in cache_names(page)
            expect(page.locator(".update-prompt")).to_have_count(0)

            publish_version(site, version_b)
            page.reload()  # the browser checks sw.js on navigation: B installs and waits
            prompt = page.get_by_role("button", name="new version — reload")
            expect(prompt).to_be_visible()
            screenshot(page, "pwa-update-prompt-phone")
            # still version A until the user accepts
            assert f"llm-router-shell-{version_a}" in cache_names(page)

            with page.expect_event("load"):
                prompt.click()  # B takes over and the page reloads into it
            page.locator(".statusline").wait_for()
            expect(page.locator(".update-prompt")).to_have_count(0)
            active = page.evaluate(
                "async () => (await navigator.serviceWorker.getRegistration()).active.state"
            )
            assert active == "activated"
            names = cache_names(page)
            assert f"llm-router-shell-{version_b}" in names
            assert f"llm-router-shell-{version_a}" not in names  # the old build's cache is gone
        finally:
            browser.close()
