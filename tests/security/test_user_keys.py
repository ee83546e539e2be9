"""Users' own keys: used for their owner's requests only (web chat and ``/v1``), never for anyone else's,
listed only in their owner's catalog, and gone the moment they are deleted."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator

import httpx
import pytest

from llm_router.api.app import create_app
from llm_router.core.settings import Settings
from llm_router.providers.config import ProviderConfig
from llm_router.providers.registry import ProviderRegistry
from llm_router.testing import FakeProvider
from tests.security.conftest import create_user, sign_in, start_server
from tests.support.chat import FAKE_KEY, new_conversation, use_fake_provider, wait_final, wait_until
from tests.support.server import LiveServer

CAROL_KEY = "sk-carol-own-key-0000-1111"
CAROL_ENDPOINT_KEY = "sk-carol-endpoint-key-2222"


@pytest.fixture
def carol(server: LiveServer, admin: httpx.Client) -> Iterator[httpx.Client]:
    """An ordinary user who brings keys of her own (``bob`` is the one who does not)."""
    create_user(admin, "carol")
    with sign_in(server.url, "carol", "user-password-22") as client:
        yield client


def add_key(client: httpx.Client, fake: FakeProvider, name: str, api_key: str, **extra: object) -> str:
    body = {"name": name, "protocol": "openai", "base_url": fake.openai_base_url, "api_key": api_key}
    created = client.post("/api/keys", json={**body, **extra})
    assert created.status_code == 201, created.text
    assert created.json()["scope"] == "user"
    return str(created.json()["id"])


def key_that_asked(fake: FakeProvider, marker: str) -> str | None:
    """The API key the fake provider received with the chat request whose prompt holds ``marker``."""

    def asked() -> list[str | None]:
        return [
            r.api_key
            for r in fake.requests
            if r.path.endswith("/chat/completions") and marker in json.dumps(r.json)
        ]

    wait_until(lambda: bool(asked()), message=f"a request with {marker!r}")
    keys = asked()
    assert len(keys) == 1, "one request per prompt"
    return keys[0]


def web_chat(client: httpx.Client, marker: str, model: str = "gpt-4o") -> httpx.Response:
    conversation = new_conversation(client, title="t")  # a title: no title request of its own
    return client.post(
        f"/api/conversations/{conversation['id']}/messages", json={"content": marker, "model": model}
    )


def v1_chat(url: str, token: str, marker: str, model: str = "gpt-4o") -> httpx.Response:
    return httpx.post(
        f"{url}/v1/chat/completions",
        json={"model": model, "messages": [{"role": "user", "content": marker}]},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def token_of(client: httpx.Client) -> str:
    return str(client.post("/api/tokens", json={"name": "t"}).json()["token"])


def test_own_key_is_used_for_its_owner_only_and_stops_at_once_when_deleted(
    server: LiveServer, carol: httpx.Client, bob: httpx.Client, fake_provider: FakeProvider
) -> None:
    # carol's own "openai" replaces the instance's OpenAI provider for her, and only for her
    key_id = add_key(carol, fake_provider, "openai", CAROL_KEY)
    carol_token, bob_token = token_of(carol), token_of(bob)

    sent = web_chat(carol, "carol-web-1")
    assert sent.status_code == 202, sent.text
    wait_final(carol, sent.json()["assistant_message"]["id"])
    assert key_that_asked(fake_provider, "carol-web-1") == CAROL_KEY
    assert v1_chat(server.url, carol_token, "carol-v1-1").status_code == 200
    assert key_that_asked(fake_provider, "carol-v1-1") == CAROL_KEY

    sent = web_chat(bob, "bob-web-1")
    assert sent.status_code == 202, sent.text
    assert key_that_asked(fake_provider, "bob-web-1") == FAKE_KEY
    assert v1_chat(server.url, bob_token, "bob-v1-1").status_code == 200
    assert key_that_asked(fake_provider, "bob-v1-1") == FAKE_KEY

    assert carol.delete(f"/api/keys/{key_id}").status_code == 204
    sent = web_chat(carol, "carol-web-2")
    assert sent.status_code == 202, sent.text
    assert key_that_asked(fake_provider, "carol-web-2") == FAKE_KEY
    assert v1_chat(server.url, carol_token, "carol-v1-2").status_code == 200
    assert key_that_asked(fake_provider, "carol-v1-2") == FAKE_KEY


def test_own_endpoint_is_in_its_owners_catalog_only(
    server: LiveServer, carol: httpx.Client, bob: httpx.Client, fake_provider: FakeProvider
) -> None:
    add_key(carol, fake_provider, "myollama", CAROL_ENDPOINT_KEY, is_local=True)
    carol_token, bob_token = token_of(carol), token_of(bob)

    carol_models = {m["id"] for m in carol.get("/api/models").json()["models"]}
    assert "myollama/gpt-4o-mini" in carol_models  # from the endpoint's own /models
    assert "gpt-4o" in carol_models  # the instance's models stay
    listed = httpx.get(f"{server.url}/v1/models", headers={"Authorization": f"Bearer {carol_token}"})
    assert "myollama/gpt-4o-mini" in {m["id"] for m in listed.json()["data"]}

    bob_catalog = bob.get("/api/models").json()
    assert not [m for m in bob_catalog["models"] if m["provider"] == "myollama"]
    assert "myollama" not in {p["name"] for p in bob_catalog["providers"]}
    listed = httpx.get(f"{server.url}/v1/models", headers={"Authorization": f"Bearer {bob_token}"})
    assert not [m for m in listed.json()["data"] if m["id"].startswith("myollama/")]

    # carol's requests to her endpoint carry her key; bob's are unknown models, with the list he has
    sent = web_chat(carol, "carol-endpoint-web", model="myollama/gpt-4o-mini")
    assert sent.status_code == 202, sent.text
    assert key_that_asked(fake_provider, "carol-endpoint-web") == CAROL_ENDPOINT_KEY
    assert v1_chat(server.url, carol_token, "carol-endpoint-v1", "myollama/gpt-4o-mini").status_code == 200
    assert key_that_asked(fake_provider, "carol-endpoint-v1") == CAROL_ENDPOINT_KEY

    refused = web_chat(bob, "bob-endpoint-web", model="myollama/gpt-4o-mini")
    assert refused.status_code == 404, refused.text
    assert "unknown model 'myollama/gpt-4o-mini'" in refused.json()["error"]["message"]
    assert "gpt-4o" in refused.json()["error"]["message"]  # names what bob can use
    refused = v1_chat(server.url, bob_token, "bob-endpoint-v1", "myollama/gpt-4o-mini")
    assert refused.status_code == 404, refused.text
    assert "unknown model" in refused.text
    assert not [r for r in fake_provider.requests if "bob-endpoint" in json.dumps(r.json)]


def test_users_keys_are_refused_and_ignored_when_the_setting_says_no(
    make_settings: Callable[..., Settings], fake_provider: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_fake_provider(monkeypatch, fake_provider)
    allowed = make_settings(auth="password", allowed_private_hosts=["127.0.0.1"])
    live = start_server(create_app(allowed))
    try:  # dave saves a key of his own while that is allowed ...
        with httpx.Client(base_url=live.url, headers={"Origin": live.url}, timeout=30) as admin:
            assert admin.post(
                "/api/auth/setup", json={"username": "root", "password": "admin-pw-123"}
            ).is_success
            create_user(admin, "dave")
        with sign_in(live.url, "dave", "user-password-22") as dave:
            add_key(dave, fake_provider, "openai", CAROL_KEY)
    finally:
        live.stop()
    # ... then the server restarts with LLM_ROUTER_USER_KEYS=false
    live = start_server(create_app(allowed.model_copy(update={"user_keys": False})))
    try:
        body = {
            "name": "mine",
            "protocol": "openai",
            "base_url": fake_provider.openai_base_url,
            "api_key": "k-1",
        }
        with sign_in(live.url, "dave", "user-password-22") as dave:
            refused = dave.post("/api/keys", json=body)
            assert refused.status_code == 403
            assert "LLM_ROUTER_USER_KEYS" in refused.json()["error"]["message"]
            sent = web_chat(dave, "dave-web")
            assert sent.status_code == 202, sent.text
            assert key_that_asked(fake_provider, "dave-web") == FAKE_KEY  # his saved key is not used
            own = [k for k in dave.get("/api/keys").json()["items"] if k["scope"] == "user"]
            assert dave.delete(f"/api/keys/{own[0]['id']}").status_code == 204  # but can be deleted
        with sign_in(live.url, "root", "admin-pw-123") as admin:
            assert admin.post("/api/keys", json={**body, "scope": "user"}).status_code == 403
            assert (
                admin.post("/api/keys", json=body).json()["scope"] == "instance"
            )  # instance keys still work
    finally:
        live.stop()


def test_a_users_view_overrides_only_for_that_user() -> None:
    instance = ProviderRegistry(
        [
            ProviderConfig("openai", "openai", "http://instance.test/v1", "sk-instance"),
            ProviderConfig("groq", "openai", "http://groq.test/v1", "sk-groq", models=("llama",)),
        ]
    )
    view = instance.overlay(
        [ProviderConfig("openai", "openai", "http://mine.test/v1", "sk-mine", key_source="vault")]
    )
    assert view.resolve("gpt-4o").provider.api_key == "sk-mine"
    assert view.resolve("groq/llama").provider.api_key == "sk-groq"
    assert view.resolve("gpt-4o").adapter is not instance.resolve("gpt-4o").adapter
    assert view.resolve("groq/llama").adapter is instance.resolve("groq/llama").adapter  # shared connections
    assert instance.resolve("gpt-4o").provider.api_key == "sk-instance"
    assert {c.name for c in view.configs()} == {"openai", "groq"}


def test_a_key_change_reaches_the_other_server_processes(
    make_settings: Callable[..., Settings], fake_provider: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two app instances on one database: a key added or deleted through one is soon used (or no longer
    used) by the other, whose cached view is re-checked against the database."""
    use_fake_provider(monkeypatch, fake_provider)
    settings = make_settings(auth="password", allowed_private_hosts=["127.0.0.1"])
    first, second = start_server(create_app(settings)), start_server(create_app(settings))
    polls = itertools.count()

    def second_uses(key: str) -> Callable[[], bool]:
        def check() -> bool:
            marker = f"poll-{next(polls)}"
            assert v1_chat(second.url, token, marker).status_code == 200
            return key_that_asked(fake_provider, marker) == key

        return check

    try:
        with httpx.Client(base_url=first.url, headers={"Origin": first.url}, timeout=30) as admin:
            assert admin.post(
                "/api/auth/setup", json={"username": "root", "password": "admin-pw-123"}
            ).is_success
            create_user(admin, "carol")
        with sign_in(first.url, "carol", "user-password-22") as carol:
            token = token_of(carol)
            assert second_uses(FAKE_KEY)()  # the second process has looked (and cached "no own keys")
            key_id = add_key(carol, fake_provider, "openai", CAROL_KEY)
            wait_until(second_uses(CAROL_KEY), interval=0.2, message="the other process using the new key")
            assert carol.delete(f"/api/keys/{key_id}").status_code == 204
            wait_until(
                second_uses(FAKE_KEY), interval=0.2, message="the other process dropping the deleted key"
            )
    finally:
        first.stop()
        second.stop()


@pytest.mark.parametrize(
    "base_url", ["http://169.254.169.254/v1", "http://127.0.0.2:8080/v1", "http://[::ffff:a9fe:a9fe]/v1"]
)
def test_own_endpoints_get_the_same_address_checks(carol: httpx.Client, base_url: str) -> None:
    body = {"name": "sneaky", "protocol": "openai", "base_url": base_url, "api_key": CAROL_KEY}
    refused = carol.post("/api/keys", json=body)
    assert refused.status_code == 422, refused.text
    assert CAROL_KEY not in refused.text
