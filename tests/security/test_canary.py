"""A canary key stored in the vault shows up in no response, no log line, no error text and no
plaintext database column (every column of every table, on SQLite and PostgreSQL)."""

from __future__ import annotations

import logging

import httpx
import pytest

from llm_router.db.models import Base
from llm_router.testing import FakeProvider
from tests.security.conftest import query
from tests.support.server import LiveServer

CANARY = "sk-canary-7f3a9c1e5b2d4f60-CANARY"
CANARY_CORE = "7f3a9c1e5b2d4f60"  # also catches partial echoes and other encodings of the key


def exercise(client: httpx.Client, fake: FakeProvider) -> list[httpx.Response]:
    """Everything one does with a key, plus failures that might echo it."""
    seen: list[httpx.Response] = []
    add = {"name": "canary", "protocol": "openai", "base_url": fake.openai_base_url, "api_key": CANARY}
    created = client.post("/api/keys", json=add)
    key_id = created.json()["id"]
    seen += [
        created,
        client.get("/api/keys"),
        client.patch(f"/api/keys/{key_id}", json={"models": ["gpt-4o-mini"]}),
        client.post(f"/api/keys/{key_id}/test"),
        client.post("/api/keys", json={**add, "name": "canary"}),  # 409 duplicate
        client.post("/api/keys", json={**add, "name": "Bad Name!"}),  # 422
        client.post("/api/keys", json={**add, "name": "c2", "protocol": "nope"}),  # 422 validation
        client.post("/api/keys", json={**add, "name": "c3", "base_url": "ftp://x"}),  # 422 url
        client.post("/api/keys", json={**add, "name": "c4", "base_url": "http://169.254.169.254/"}),
        client.patch(f"/api/keys/{key_id}", json={"base_url": "http://127.0.0.1:9/v1"}),  # needs key again
        client.get("/api/models"),
    ]
    # A failing upstream: the key goes to a port nothing listens on.
    broken = client.post("/api/keys", json={**add, "name": "broken", "base_url": "http://127.0.0.1:9/v1"})
    seen += [broken, client.post(f"/api/keys/{broken.json()['id']}/test")]
    # The key used for a chat through the registry (the instance key is a provider named "canary").
    conversation = client.post("/api/conversations", json={"model": "canary/gpt-4o-mini"})
    seen.append(conversation)
    if conversation.status_code == 201:
        seen.append(
            client.post(f"/api/conversations/{conversation.json()['id']}/messages", json={"content": "hi"})
        )
    # ... and for a /v1 call with one of the user's API tokens
    token = client.post("/api/tokens", json={"name": "canary"}).json()["token"]
    v1 = {"model": "canary/gpt-4o-mini", "messages": [{"role": "user", "content": "canary via v1"}]}
    headers = {"Authorization": f"Bearer {token}"}
    url = str(client.base_url).rstrip("/")
    seen.append(httpx.post(f"{url}/v1/chat/completions", json=v1, headers=headers, timeout=30))
    seen.append(httpx.post(f"{url}/v1/chat/completions", json={**v1, "stream": True}, headers=headers))
    return seen


@pytest.mark.parametrize("who", ["admin", "bob"])
def test_canary_key_never_leaks(
    who: str,
    server: LiveServer,
    admin: httpx.Client,
    fake_provider: FakeProvider,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
    request: pytest.FixtureRequest,
) -> None:
    """As an instance key (the admin's) and as a user's own key (bob's), used by their owner."""
    client: httpx.Client = request.getfixturevalue(who)
    with caplog.at_level(logging.DEBUG):
        responses = exercise(client, fake_provider)
        assert responses[0].status_code == 201
        assert responses[0].json()["scope"] == ("instance" if who == "admin" else "user")
        assert responses[-2].status_code == 200, responses[-2].text  # the /v1 call used the key
        for response in responses:
            text = response.text + "".join(f"{k}: {v}\n" for k, v in response.headers.items())
            assert CANARY_CORE not in text, (response.request.url, response.status_code)
    logged = "\n".join(
        record.getMessage() + (str(record.exc_info[1]) if record.exc_info else "")
        for record in caplog.records
    )
    assert CANARY_CORE not in logged
    assert caplog.records  # the logs were captured at all
    # The key is used — the fake provider received it — it is only never shown.
    assert any(r.api_key == CANARY for r in fake_provider.requests)
    scan_database(database_url)


def scan_database(database_url: str) -> None:
    tables = list(Base.metadata.sorted_tables)
    assert {t.name for t in tables} >= {"users", "sessions", "provider_keys", "api_tokens", "messages"}
    checked = 0
    for table in tables:
        columns = [c.name for c in table.columns]
        for row in query(database_url, f"SELECT {', '.join(columns)} FROM {table.name}"):
            for column, value in zip(columns, row, strict=True):
                raw = value if isinstance(value, bytes) else str(value).encode()
                assert CANARY_CORE.encode() not in raw, f"{table.name}.{column} holds the key in plain text"
                checked += 1
    assert checked > 0
    stored = query(database_url, "SELECT encrypted_key, key_last4 FROM provider_keys WHERE name = 'canary'")
    assert stored
    assert stored[0][0]
    assert stored[0][1] == "NARY"
