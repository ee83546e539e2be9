"""Usage events: one per upstream call, and summaries (overall, device, conversation, per model) that
add up to the messages' own tokens and costs."""

from __future__ import annotations

import asyncio

import httpx

from llm_router.db.engine import Database
from llm_router.db.models import OWNER_USER_ID
from llm_router.services.usage import UsageEvent, record_usage
from llm_router.testing import FakeProvider
from llm_router.testing.script import Behaviour, FakeUsage
from tests.support.chat import MODEL, chat_server, client, new_conversation, wait_final

__all__ = ["chat_server", "client"]


def _answer(client: httpx.Client, cid: str, fake: FakeProvider, behaviour: Behaviour, device: str) -> dict:  # type: ignore[type-arg]
    fake.enqueue(behaviour, model=MODEL)
    response = client.post(
        f"/api/conversations/{cid}/messages", json={"content": "Hello"}, headers={"X-Device-Id": device}
    )
    assert response.status_code == 202
    return wait_final(client, response.json()["assistant_message"]["id"])


def test_summaries_add_up(client: httpx.Client, fake_provider: FakeProvider, database_url: str) -> None:
    first = new_conversation(client, title="one")["id"]  # titled: no title call is made
    second = new_conversation(client, title="two")["id"]
    usage = FakeUsage(input_tokens=100, output_tokens=40, cached_tokens=20)
    a = _answer(client, first, fake_provider, Behaviour(chunks=["A"], usage=usage), "phone")
    b = _answer(client, first, fake_provider, Behaviour(chunks=["B"], usage=usage), "laptop")
    c = _answer(client, second, fake_provider, Behaviour(chunks=["x", "y"], cut_after=1), "phone")
    assert [m["status"] for m in (a, b, c)] == ["complete", "complete", "error"]

    overall = client.get("/api/usage/summary").json()
    assert overall["scope"] == "overall"
    assert overall["requests"] == 3
    assert overall["tokens_in"] == a["tokens_in"] + b["tokens_in"] + c["tokens_in"]
    assert overall["tokens_out"] == a["tokens_out"] + b["tokens_out"] + c["tokens_out"]
    assert overall["tokens_cached"] == 40
    known = [m["cost"] for m in (a, b, c) if m["cost"] is not None]
    assert abs(overall["cost"] - sum(known)) < 1e-12
    assert overall["unknown_cost_requests"] == 3 - len(known)

    conv = client.get(f"/api/usage/summary?scope=conversation&conversation_id={first}").json()
    assert (conv["requests"], conv["tokens_in"], conv["tokens_out"]) == (2, 200, 80)
    assert abs(conv["cost"] - client.get(f"/api/conversations/{first}").json()["total_cost"]) < 1e-12

    phone = client.get("/api/usage/summary?scope=device", headers={"X-Device-Id": "phone"}).json()
    laptop = client.get("/api/usage/summary?scope=device&device_id=laptop").json()
    assert (phone["requests"], laptop["requests"]) == (2, 1)
    assert phone["tokens_in"] + laptop["tokens_in"] == overall["tokens_in"]

    models = client.get("/api/usage/models").json()["items"]
    assert [(m["provider"], m["model"], m["requests"]) for m in models] == [("openai", MODEL, 3)]
    assert models[0]["tokens_in"] == overall["tokens_in"]

    # a /v1 call recorded through the same function counts too
    async def record() -> None:
        db = Database(database_url)
        try:
            await record_usage(
                db,
                UsageEvent(
                    owner_id=OWNER_USER_ID, source="openai", provider="openai", model="gpt-4o", tokens_in=5
                ),
            )
        finally:
            await db.dispose()

    asyncio.run(record())
    after = client.get("/api/usage/summary").json()
    assert (after["requests"], after["tokens_in"]) == (4, overall["tokens_in"] + 5)
    assert after["unknown_cost_requests"] == overall["unknown_cost_requests"] + 1


def test_scope_needs_its_id(client: httpx.Client) -> None:
    no_device = httpx.get(f"{client.base_url}/api/usage/summary?scope=device")
    assert no_device.status_code == 400
    assert "X-Device-Id" in no_device.json()["error"]["message"]
    assert client.get("/api/usage/summary?scope=conversation").status_code == 400
    assert client.get("/api/usage/summary?scope=planet").status_code == 422
    empty = client.get("/api/usage/summary?scope=device").json()  # the client's own X-Device-Id
    assert (empty["requests"], empty["cost"]) == (0, 0)
