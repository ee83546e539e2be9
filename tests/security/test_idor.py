"""IDOR matrix: user B tries each of user A's ids on every route and verb — with a session cookie and
with an API token as ``Authorization: Bearer`` and as ``x-api-key`` — and never gets A's data.

The routes come from walking ``app.routes``, so routes added later are covered without edits.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from llm_router.testing import FakeProvider
from tests.security.conftest import USER_PASSWORD, create_user, sign_in
from tests.security.idor import BodyFactory, Endpoint, endpoints
from tests.support.server import LiveServer
from tests.support.waiting import wait_until

MARK = "victimmarker4242"
VICTIM_KEY = "sk-victim-key-0000-5555"
DENIED = {401, 403, 404}
HARMLESS = {400, 405, 409, 413, 415, 422}  # refused before or regardless of ownership


def wait_final(client: httpx.Client, message_id: str) -> dict[str, Any]:
    return wait_until(
        lambda: dict(client.get(f"/api/messages/{message_id}").json()),
        timeout=60,
        accept=lambda message: message["status"] in ("complete", "error", "interrupted", "cancelled"),
        message="the answer to finish",
    )


def victim_resources(client: httpx.Client, fake: FakeProvider, url: str) -> dict[str, str]:
    conversation = client.post(
        "/api/conversations", json={"title": f"{MARK} title", "model": "gpt-4o-mini", "system_prompt": MARK}
    ).json()
    sent = client.post(
        f"/api/conversations/{conversation['id']}/messages", json={"content": f"{MARK} question"}
    )
    assert sent.status_code == 202, sent.text
    assistant = wait_final(client, sent.json()["assistant_message"]["id"])
    key = client.post(
        "/api/keys",
        json={
            "name": "victimkey",
            "protocol": "openai",
            "base_url": fake.openai_base_url,
            "api_key": VICTIM_KEY,
        },
    ).json()
    token = client.post("/api/tokens", json={"name": MARK}).json()
    chat = httpx.post(
        f"{url}/v1/chat/completions",
        json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": f"{MARK} via v1"}]},
        headers={"Authorization": f"Bearer {token['token']}"},
        timeout=30,
    )
    assert chat.status_code == 200, chat.text
    return {
        "conversation": conversation["id"],
        "user_message": sent.json()["user_message"]["id"],
        "assistant_message": assistant["id"],
        "key": key["id"],
        "token": token["id"],
        "token_value": token["token"],
        "user": client.get("/api/me").json()["id"],
    }


def leaks(response: httpx.Response, victim: dict[str, str]) -> list[str]:
    text = response.text
    secrets = [MARK, VICTIM_KEY, victim["token_value"]]
    ids = [v for k, v in victim.items() if k != "token_value"]
    return [s for s in secrets if s in text] + [
        i for i in ids if i in text and i not in str(response.request.url)
    ]


def send(
    client: httpx.Client, endpoint: Endpoint, url: str, body: Any, headers: dict[str, str]
) -> httpx.Response:
    params = {q: "x" for q in endpoint.query}
    if endpoint.path.endswith("/stream"):
        with client.stream(endpoint.method, url, headers=headers, params=params, timeout=30) as streamed:
            streamed.read() if streamed.status_code >= 400 else None
            return streamed
    return client.request(endpoint.method, url, json=body, headers=headers, params=params)


@pytest.fixture
def people(server: LiveServer, admin: httpx.Client, fake_provider: FakeProvider):  # type: ignore[no-untyped-def]
    create_user(admin, "victim")
    create_user(admin, "mallory")
    with (
        sign_in(server.url, "victim", USER_PASSWORD) as victim,
        sign_in(server.url, "mallory", USER_PASSWORD) as mallory,
    ):
        resources = victim_resources(victim, fake_provider, server.url)
        mallory_token = mallory.post("/api/tokens", json={"name": "m"}).json()["token"]
        yield victim, mallory, mallory_token, resources


def test_idor_matrix(server: LiveServer, people) -> None:  # type: ignore[no-untyped-def]
    victim, mallory, mallory_token, ids = people
    routes = endpoints(server.app)
    bodies = BodyFactory(server.app.openapi())
    with_params = [e for e in routes if e.params]
    assert len(with_params) >= 10, "the matrix should see the app's id routes"
    credentials = {
        "cookie": {},
        "bearer": {"Authorization": f"Bearer {mallory_token}", "Cookie": ""},
        "x-api-key": {"x-api-key": mallory_token, "Cookie": ""},
    }
    reached_owner_check: set[str] = set()
    failures: list[str] = []
    id_values = [v for k, v in ids.items() if k != "token_value"]
    for endpoint in with_params:
        for value in id_values:
            url = endpoint.url({p: value for p in endpoint.params})
            body = bodies.make(endpoint.body_schema, value) if endpoint.body_schema else None
            for how, headers in credentials.items():
                client = mallory if how == "cookie" else httpx.Client(base_url=server.url, timeout=30)
                try:
                    response = send(client, endpoint, url, body, headers)
                finally:
                    if client is not mallory:
                        client.close()
                where = f"{how} {endpoint.method} {url} -> {response.status_code}"
                if leaks(response, ids):
                    failures.append(f"LEAK {where}: {leaks(response, ids)}")
                if response.status_code in DENIED:
                    reached_owner_check.add(f"{endpoint.method} {endpoint.path}")
                elif response.status_code not in HARMLESS:
                    failures.append(where)
    assert not failures, "\n".join(failures)
    unreached = {f"{e.method} {e.path}" for e in with_params} - reached_owner_check
    assert not unreached, f"never denied (bodies may not validate): {unreached}"
    victim_data_is_intact(victim, ids, server.url)


def test_lists_and_searches_never_show_another_users_data(server: LiveServer, people) -> None:  # type: ignore[no-untyped-def]
    _victim, mallory, mallory_token, ids = people
    credentials = [{}, {"Authorization": f"Bearer {mallory_token}"}, {"x-api-key": mallory_token}]
    for endpoint in endpoints(server.app):
        if endpoint.method != "GET" or endpoint.params:
            continue
        params = {q: (ids["conversation"] if q.endswith("_id") else MARK) for q in endpoint.query}
        if "scope" in params:
            params["scope"] = "conversation"
        for headers in credentials:
            client = (
                mallory if not headers else httpx.Client(base_url=server.url, timeout=30, headers=headers)
            )
            try:
                response = client.get(endpoint.path, params=params)
            finally:
                if client is not mallory:
                    client.close()
            assert not leaks(response, ids), f"{endpoint.path} {headers.keys()} leaks {leaks(response, ids)}"
            assert response.status_code < 500, (endpoint.path, response.text)


def victim_data_is_intact(victim: httpx.Client, ids: dict[str, str], url: str) -> None:
    conversation = victim.get(f"/api/conversations/{ids['conversation']}")
    assert conversation.status_code == 200
    assert MARK in conversation.json()["title"]
    assert MARK in victim.get(f"/api/messages/{ids['user_message']}").json()["content"]
    assert ids["key"] in {k["id"] for k in victim.get("/api/keys").json()["items"]}
    models = httpx.get(f"{url}/v1/models", headers={"x-api-key": ids["token_value"]})
    assert models.status_code == 200
    assert victim.get("/api/me").status_code == 200
