"""Usage events: one per upstream call, and summaries (overall, device, conversation, per model) that
add up to the messages' own tokens and costs."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from sqlalchemy import event, select

from llm_router.db import models
from llm_router.db.engine import Database
from llm_router.db.models import OWNER_USER_ID
from llm_router.services.usage.log import UsageWriter
from llm_router.services.usage.records import UsageEvent, record_usage
from llm_router.testing import FakeProvider
from llm_router.testing.script import Behaviour, FakeUsage
from tests.support.chat import MODEL, chat_server, client, new_conversation, wait_final
from tests.support.v1 import OPENAI_MODEL, V1App

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


# ------------------------------------------------------------------ the batched writer of /v1 usage rows


async def _rows(db: Database) -> list[models.UsageEvent]:
    async with db.read() as session:
        return list(await session.scalars(select(models.UsageEvent).order_by(models.UsageEvent.tokens_in)))


async def test_queued_events_are_written_in_one_transaction_when_drained(database_url: str) -> None:
    db = Database(database_url)
    transactions: list[object] = []
    event.listen(db.write_engine.sync_engine, "begin", transactions.append)
    writer = UsageWriter(db, delay=3600)  # nothing is written until drain() says so
    try:
        for i in range(1, 26):
            writer.submit(lambda i=i: UsageEvent(owner_id=OWNER_USER_ID, source="openai", tokens_in=i))
        await asyncio.sleep(0)  # the writer task starts and waits for more events
        assert await _rows(db) == []
        transactions.clear()  # on PostgreSQL reads share the engine
        await writer.drain()
        assert len(transactions) == 1
        rows = await _rows(db)
        assert [r.tokens_in for r in rows] == list(range(1, 26))
        assert {r.source for r in rows} == {"openai"}
    finally:
        await db.dispose()


async def test_an_event_that_cannot_be_made_loses_no_other(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    db = Database(database_url)
    writer = UsageWriter(db, delay=3600)

    def broken() -> UsageEvent:
        raise RuntimeError("pricing bug")

    try:
        writer.submit(lambda: UsageEvent(owner_id=OWNER_USER_ID, tokens_in=1))
        writer.submit(broken)
        writer.submit(lambda: UsageEvent(owner_id=OWNER_USER_ID, tokens_in=2))
        with caplog.at_level(logging.ERROR, logger="llm_router.services.usage.log"):
            await writer.drain()
        assert [r.tokens_in for r in await _rows(db)] == [1, 2]
        assert "could not make a usage event" in caplog.text
    finally:
        await db.dispose()


def test_every_routed_request_gets_its_usage_row_with_its_tokens(
    v1_app: V1App, fake_provider: FakeProvider
) -> None:
    client = v1_app.openai()
    for i in range(1, 9):
        fake_provider.enqueue(Behaviour(chunks=[f"answer {i}"], usage=FakeUsage(100 + i, 10 + i)))
        stream = i % 2 == 0
        response = client.chat.completions.create(
            model=OPENAI_MODEL, messages=[{"role": "user", "content": f"q{i}"}], stream=stream
        )
        if stream:
            for _chunk in response:  # type: ignore[union-attr]
                pass
    rows = v1_app.wait_logs(8)
    assert sorted((r["tokens_in"], r["tokens_out"]) for r in rows) == [(100 + i, 10 + i) for i in range(1, 9)]
    assert {(r["status"], r["source"], r["model"]) for r in rows} == {("ok", "openai", OPENAI_MODEL)}


def test_rows_still_queued_at_shutdown_are_written(
    v1_app: V1App, fake_provider: FakeProvider, database_url: str
) -> None:
    v1_app.server.app.state.services.usage_writer.delay = 3600  # only the shutdown can write them now
    client = v1_app.openai()
    for i in range(1, 6):
        fake_provider.enqueue(Behaviour(chunks=["ok"], usage=FakeUsage(i, 1)))
        client.chat.completions.create(model=OPENAI_MODEL, messages=[{"role": "user", "content": "hi"}])
    assert v1_app.logs() == []

    v1_app.stop()

    async def stored() -> list[int]:
        db = Database(database_url)
        try:
            return [r.tokens_in for r in await _rows(db)]
        finally:
            await db.dispose()

    assert asyncio.run(stored()) == [1, 2, 3, 4, 5]
