"""Web Push: an answer that finishes (or fails) while no page watches its conversation is pushed to the
user's subscribed devices — RFC 8291 encrypted, with a valid VAPID JWT — to a local push endpoint; with
a page watching nothing is sent; a 404/410 from the push service, or signing out of the device, deletes
the subscription. The VAPID private key is made once into the data dir (mode 0600) and never shown."""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from llm_router.api.app import create_app
from llm_router.core.settings import Settings
from llm_router.testing import FakeProvider
from llm_router.testing.script import Behaviour
from tests.support.chat import SseReader, new_conversation, send, use_fake_provider, wait_final
from tests.support.push_endpoint import BrowserKeys, PushEndpoint, verify_vapid
from tests.support.server import LiveServer
from tests.support.waiting import wait_until


@pytest.fixture
def endpoint() -> Iterator[PushEndpoint]:
    service = PushEndpoint()
    yield service
    service.close()


@pytest.fixture
def push_server(
    make_settings: Callable[..., Settings], fake_provider: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[LiveServer, Settings]]:
    use_fake_provider(monkeypatch, fake_provider)
    # the test's push service is on loopback: allowed explicitly, as an admin would for a private one
    settings = make_settings(allowed_private_hosts=["127.0.0.1"])
    server = LiveServer(create_app(settings)).start()
    yield server, settings
    server.stop()


@pytest.fixture
def client(push_server: tuple[LiveServer, Settings]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=push_server[0].url, headers={"X-Device-Id": "phone-1"}, timeout=30) as c:
        yield c


def subscribe(client: httpx.Client, keys: BrowserKeys, endpoint: PushEndpoint, path: str = "/push/1") -> None:
    response = client.post("/api/push/subscriptions", json=keys.subscription(endpoint.origin + path))
    assert response.status_code == 201, response.text


def pushes_for(endpoint: PushEndpoint, keys: BrowserKeys) -> list[dict[str, Any]]:
    return [keys.decrypt(message) for message in list(endpoint.received)]


def test_finished_answer_with_nobody_watching_is_pushed_encrypted_and_signed(
    client: httpx.Client, push_server: tuple[LiveServer, Settings], endpoint: PushEndpoint
) -> None:
    public_key = client.get("/api/push/key").json()["public_key"]
    key_file = push_server[1].data_dir / "vapid_private.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "PRIVATE KEY" in key_file.read_text()
    keys = BrowserKeys()
    subscribe(client, keys, endpoint)

    conversation = new_conversation(client, title="trip to the coast")
    answer = send(client, conversation["id"], "hello there")["assistant_message"]
    assert wait_final(client, answer["id"])["status"] == "complete"
    wait_until(lambda: endpoint.received, message="a push at the local endpoint")

    [message] = endpoint.received
    assert message.path == "/push/1"
    assert message.headers["content-encoding"] == "aes128gcm"
    assert int(message.headers["ttl"]) > 0
    assert message.headers["topic"] == conversation["id"]
    verify_vapid(message, public_key, endpoint.origin)
    [notice] = pushes_for(endpoint, keys)
    assert notice["title"] == "trip to the coast"
    assert notice["url"] == f"/#/c/{conversation['id']}"
    assert "Echo: hello there" in notice["body"]
    # the key pair is kept: a second start would give browsers the same applicationServerKey
    assert client.get("/api/push/key").json()["public_key"] == public_key
    assert key_file.read_text() not in client.get("/api/push/key").text
    [listed] = client.get("/api/push/subscriptions").json()["items"]
    assert listed["device_id"] == "phone-1"
    assert listed["last_sent_at"] is not None
    assert not {"auth", "p256dh"} & set(listed)


def test_failed_answer_is_pushed_too(
    client: httpx.Client, fake_provider: FakeProvider, endpoint: PushEndpoint
) -> None:
    keys = BrowserKeys()
    subscribe(client, keys, endpoint)
    fake_provider.enqueue(Behaviour(status=400, error_message="bad request from upstream"))
    conversation = new_conversation(client)
    answer = send(client, conversation["id"], "this will fail")["assistant_message"]
    assert wait_final(client, answer["id"])["status"] == "error"
    wait_until(lambda: endpoint.received, message="a push for the failed answer")
    [notice] = pushes_for(endpoint, keys)
    assert "failed" in notice["body"]
    assert notice["url"] == f"/#/c/{conversation['id']}"


def test_nothing_is_pushed_while_a_page_watches_the_conversation(
    client: httpx.Client, fake_provider: FakeProvider, endpoint: PushEndpoint
) -> None:
    keys = BrowserKeys()
    subscribe(client, keys, endpoint)
    watched = new_conversation(client, title="watched")
    fake_provider.enqueue(Behaviour(chunks=["one ", "two"], pause_after=1))
    answer = send(client, watched["id"], "hello")["assistant_message"]
    with client.stream("GET", f"/api/messages/{answer['id']}/stream") as response:
        reader = SseReader(response)
        assert reader.next().event == "message"  # the page is watching from here on
        fake_provider.wait_until_paused()
        fake_provider.release()
        events = reader.until_done()
    assert events[-1].data["status"] == "complete"

    # An unwatched answer afterwards: its push arrives, and is the only one (the watched answer's
    # notice, had there been one, was started before this answer was even sent).
    other = new_conversation(client, title="not watched")
    second = send(client, other["id"], "hello again")["assistant_message"]
    wait_final(client, second["id"])
    wait_until(lambda: endpoint.received, message="the push for the unwatched answer")
    assert [notice["title"] for notice in pushes_for(endpoint, keys)] == ["not watched"]


def test_gone_subscription_is_deleted(client: httpx.Client, endpoint: PushEndpoint) -> None:
    endpoint.status = 410
    subscribe(client, BrowserKeys(), endpoint)
    assert len(client.get("/api/push/subscriptions").json()["items"]) == 1
    conversation = new_conversation(client)
    wait_final(client, send(client, conversation["id"], "hi")["assistant_message"]["id"])
    wait_until(
        lambda: client.get("/api/push/subscriptions").json()["items"] == [],
        message="the subscription the push service called gone to be deleted",
    )
    assert len(endpoint.received) == 1


def test_one_subscription_per_device_and_unsubscribe(client: httpx.Client, endpoint: PushEndpoint) -> None:
    subscribe(client, BrowserKeys(), endpoint, "/push/old")
    subscribe(client, BrowserKeys(), endpoint, "/push/new")  # the same device subscribed again
    [row] = client.get("/api/push/subscriptions").json()["items"]
    assert row["endpoint"].endswith("/push/new")
    response = client.request("DELETE", "/api/push/subscriptions", json={"endpoint": row["endpoint"]})
    assert response.status_code == 204
    assert client.get("/api/push/subscriptions").json()["items"] == []


def test_malformed_or_private_subscriptions_are_refused(live_server: LiveServer) -> None:
    keys = BrowserKeys()
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        bad_keys = keys.subscription("https://push.example.com/x")
        bad_keys["keys"]["p256dh"] = "A" * 87  # right length, not a point on the curve
        response = client.post("/api/push/subscriptions", json=bad_keys)
        assert response.status_code == 422
        assert "p256dh" in response.text
        # loopback without the admin's allowlist: refused (the server would POST to it)
        response = client.post("/api/push/subscriptions", json=keys.subscription("http://127.0.0.1:9/x"))
        assert response.status_code == 422
        assert "LLM_ROUTER_ALLOWED_PRIVATE_HOSTS" in response.text


@pytest.mark.parametrize("backend", ["sqlite"])
def test_signing_out_of_the_device_deletes_its_subscription(
    make_settings: Callable[..., Settings], endpoint: PushEndpoint
) -> None:
    server = LiveServer(create_app(make_settings(auth="password", allowed_private_hosts=["127.0.0.1"])))
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            credentials = {"username": "admin", "password": "correct horse battery staple"}
            assert client.post("/api/auth/setup", json=credentials).status_code in (200, 201)
            subscribe(client, BrowserKeys(), endpoint)
            with httpx.Client(base_url=server.url, timeout=30) as laptop:  # another signed-in device
                assert laptop.post("/api/auth/login", json=credentials).status_code == 200
                subscribe(laptop, BrowserKeys(), endpoint, "/push/laptop")
                assert len(laptop.get("/api/push/subscriptions").json()["items"]) == 2
                assert client.post("/api/auth/logout").status_code == 204
                [left] = laptop.get("/api/push/subscriptions").json()["items"]
                assert left["endpoint"].endswith("/push/laptop")
    finally:
        server.stop()
