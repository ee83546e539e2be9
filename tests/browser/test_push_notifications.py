"""Web Push in Chromium, end to end as far as a headless browser allows.

Checked here:
1. The service worker registers; a subscription is stored through the API with the test's own keys
   (``pushManager.subscribe`` needs a real push service, which no test reaches).
2. A page showing the conversation watches the running answer; the page is closed; the answer then
   finishes and the local push endpoint receives one message, which decrypts (with the subscription's
   private key) to the conversation's title and URL.
3. That message is handed to the service worker through CDP ``ServiceWorker.deliverPushMessage`` (what a
   push service would deliver after decryption): the worker shows a notification with that title, body
   and URL (read back with ``registration.getNotifications()``).
4. Tapping it: headless Chromium cannot click a system notification, so the worker's
   ``notificationclick`` listener is run with a ``NotificationEvent`` for that notification; the open
   window is navigated to the conversation, which the app then shows.
5. The Settings panel shows the per-device push toggle (its lazily loaded module), off for a browser
   without a subscription; turning it on here fails (no push service) and says why, staying off.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import CDPSession, Page, expect, sync_playwright

from llm_router.testing import FakeProvider
from llm_router.testing.script import Behaviour
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, Answers, screenshot
from tests.support.push_endpoint import BrowserKeys, PushEndpoint
from tests.support.server import LiveServer
from tests.support.waiting import wait_until


@pytest.fixture
def endpoint() -> Iterator[PushEndpoint]:
    service = PushEndpoint()
    yield service
    service.close()


@pytest.fixture
def server_overrides() -> dict[str, object]:
    return {"allowed_private_hosts": ["127.0.0.1"]}  # the test's push service is on loopback


def api(page: Page, method: str, path: str, body: Any = None) -> Any:
    result = page.evaluate(
        """async ([method, path, body]) => {
            const init = {method, headers: {"content-type": "application/json", "x-device-id": "test-phone"}};
            if (body !== null) init.body = JSON.stringify(body);
            const response = await fetch(path, init);
            return {status: response.status, body: response.status === 204 ? null : await response.json()};
        }""",
        [method, path, body],
    )
    assert result["status"] < 300, result
    return result["body"]


def registration_id(page: Page, cdp: CDPSession, origin: str) -> str:
    """The service worker registration's id, as DevTools knows it (enables the ServiceWorker domain)."""
    found: dict[str, str] = {}

    def seen(event: dict[str, Any]) -> None:
        for registration in event["registrations"]:
            if registration["scopeURL"] == f"{origin}/" and not registration.get("isDeleted"):
                found["id"] = registration["registrationId"]

    cdp.on("ServiceWorker.workerRegistrationUpdated", seen)
    cdp.send("ServiceWorker.enable")

    def known() -> str | None:
        page.evaluate("() => 0")  # lets Playwright dispatch the CDP events received meanwhile
        return found.get("id")

    return str(wait_until(known, message="the service worker registration in CDP"))


def test_finished_answer_is_pushed_while_no_page_is_open_and_the_notice_opens_it(
    app_server: LiveServer, answers: Answers, fake_provider: FakeProvider, endpoint: PushEndpoint
) -> None:
    keys = BrowserKeys()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=PHONE, has_touch=True, base_url=app_server.url)  # type: ignore[arg-type]
            context.grant_permissions(["notifications"], origin=app_server.url)
            page = context.new_page()
            page.goto("/")
            page.locator(".statusline").wait_for()
            page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")

            api(page, "POST", "/api/push/subscriptions", keys.subscription(f"{endpoint.origin}/push/phone"))
            conversation = api(page, "POST", "/api/conversations", {"title": "push from the browser"})
            answers.enqueue(Behaviour(chunks=["the answer ", "arrives later"], pause_after=1))
            turn = api(page, "POST", f"/api/conversations/{conversation['id']}/messages", {"content": "hi"})
            page.goto(f"/#/c/{conversation['id']}")
            expect(page.get_by_text("the answer").first).to_be_visible()  # the page watches the stream
            page.close()  # the app is closed while the answer is still running
            presence = app_server.app.state.services.jobs.presence
            wait_until(  # the server has seen the stream end (else the answer ends "in front of" the page)
                lambda: not presence.is_watched(conversation["id"]), message="the server to see the page gone"
            )

            fake_provider.wait_until_paused()
            fake_provider.release()
            message_url = f"{app_server.url}/api/messages/{turn['assistant_message']['id']}"
            wait_until(
                lambda: httpx.get(message_url).json()["status"] == "complete", message="the answer to finish"
            )
            wait_until(lambda: endpoint.received, message="a push at the local endpoint")
            [received] = endpoint.received
            notice = keys.decrypt(received)
            assert notice["title"] == "push from the browser"
            assert notice["url"] == f"/#/c/{conversation['id']}"
            assert "the answer arrives later" in notice["body"]

            # The push service delivers it to the device's service worker (as the browser would, decrypted).
            page = context.new_page()
            page.goto("/")
            page.locator(".statusline").wait_for()
            cdp = page.context.new_cdp_session(page)
            cdp.send(
                "ServiceWorker.deliverPushMessage",
                {
                    "origin": app_server.url,
                    "registrationId": registration_id(page, cdp, app_server.url),
                    "data": json.dumps(notice),
                },
            )
            shown = wait_until(
                lambda: page.evaluate(
                    """async () => (await (await navigator.serviceWorker.ready).getNotifications())
                    .map((n) => ({title: n.title, body: n.body, url: n.data && n.data.url, tag: n.tag}))"""
                ),
                message="the service worker to show the notification",
            )
            assert shown == [
                {
                    "title": "push from the browser",
                    "body": notice["body"],
                    "url": f"{app_server.url}/#/c/{conversation['id']}",
                    "tag": conversation["id"],
                }
            ]

            # Tapping it: the worker's notificationclick listener runs for that notification.
            [worker] = context.service_workers
            worker.evaluate(
                """async () => {
                    const [notification] = await self.registration.getNotifications();
                    try {
                        self.dispatchEvent(new NotificationEvent("notificationclick", {notification}));
                    } catch (error) { /* waitUntil() of an untrusted event throws after the listener ran */ }
                }"""
            )
            page.wait_for_url(f"**/#/c/{conversation['id']}")
            expect(page.get_by_text("the answer arrives later").first).to_be_visible()
            screenshot(page, "push-opened-conversation-phone")

            # Settings: the per-device toggle.
            page.get_by_role("button", name="settings").click()
            toggle = page.get_by_role("switch")
            expect(toggle).to_have_text("push on this device: off")  # the browser's own subscription: none
            toggle.scroll_into_view_if_needed()
            toggle.click()
            # No push service is reachable from here: the browser refuses, the panel says so, stays off.
            status = page.locator(".push-status")
            expect(status).to_contain_text("Registration failed")
            expect(toggle).to_have_text("push on this device: off")
            expect(toggle).to_be_enabled()
            screenshot(page, "push-settings-phone")
        finally:
            browser.close()
