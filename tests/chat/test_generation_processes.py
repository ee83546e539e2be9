"""Generation across real server processes: ``kill -9`` mid-answer, and two processes sharing
PostgreSQL + Redis relaying one live stream. The model is the fake provider in this test process."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import httpx
import pytest
import redis

from llm_router.testing import FakeProvider
from llm_router.testing.script import Behaviour
from tests.support.chat import (
    MODEL,
    SseReader,
    new_conversation,
    provider_env,
    read_stream,
    send,
    text_of,
    wait_final,
    wait_until,
)
from tests.support.databases import PostgresFactory
from tests.support.server import ServerProcess

pytestmark = pytest.mark.slow

REDIS_URL = "redis://127.0.0.1:6379/0"
START_TIMEOUT = 120  # a loaded machine imports slowly; this is a deadline, not a measurement
CHUNKS = [f"tok{i} " for i in range(300)]
FULL = "".join(CHUNKS)


def _server(tmp_path: Path, name: str, database_url: str, fake: FakeProvider, **env: str) -> ServerProcess:
    cwd = tmp_path / name
    cwd.mkdir(exist_ok=True)
    base = {
        "LLM_ROUTER_DATA_DIR": str(cwd / "data"),
        "LLM_ROUTER_DATABASE_URL": database_url,
        "LLM_ROUTER_AUTH": "none",
        "LLM_ROUTER_LOG_LEVEL": "WARNING",
        "ANTHROPIC_API_KEY": "",
        "OPENROUTER_API_KEY": "",
        "OLLAMA_BASE_URL": "",
        "LLM_ROUTER_REDIS_URL": "",
    }
    return ServerProcess({**base, **provider_env(fake), **env}, cwd=cwd)


def test_kill_9_mid_generation_leaves_an_interrupted_message_with_its_text(
    tmp_path: Path, database_url: str, backend: str, fake_provider: FakeProvider
) -> None:
    server = _server(tmp_path, "one", database_url, fake_provider)
    received: list[tuple[float, str]] = []  # (when, all text so far)
    try:
        server.start(timeout=START_TIMEOUT)
        with httpx.Client(base_url=server.url, timeout=30) as client:
            cid = new_conversation(client)["id"]
            fake_provider.enqueue(Behaviour(chunks=CHUNKS, delay=0.02), model=MODEL)
            message_id = send(client, cid, "Stream slowly")["assistant_message"]["id"]
            with client.stream("GET", f"/api/messages/{message_id}/stream") as response:
                reader = SseReader(response)
                text = ""
                while len(text) < len(FULL) // 3:
                    event = reader.next()
                    if event.event == "delta":
                        text += event.data["text"]
                        received.append((time.monotonic(), text))
                server.kill()  # SIGKILL: no shutdown code runs
                killed_at = time.monotonic()
    finally:
        server.kill()

    if backend == "sqlite":
        path = database_url.split(":///", 1)[1]
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    restarted = _server(tmp_path, "one", database_url, fake_provider)
    try:
        restarted.start(timeout=START_TIMEOUT)
        with httpx.Client(base_url=restarted.url, timeout=30) as client:
            # SQLite: marked at start-up. PostgreSQL (replicas may share it): once the heartbeat is stale.
            wait_until(
                lambda: client.get(f"/api/messages/{message_id}").json()["status"] == "interrupted",
                message="interrupted status",
            )
            message = client.get(f"/api/messages/{message_id}").json()
            stored = message["content"]
            assert FULL.startswith(stored)
            streamed_a_second_before = max(
                (t for when, t in received if when <= killed_at - 1.0), default="", key=len
            )
            assert len(stored) >= len(streamed_a_second_before)
            assert stored, "some text was flushed before the kill"

            # nothing still runs for it: the branch is free and the answer can be continued
            fake_provider.enqueue(Behaviour(chunks=["(end)"]), model=MODEL)
            assert client.post(f"/api/messages/{message_id}/continue").status_code == 202
            final = wait_final(client, message_id)
            assert final["status"] == "complete"
            assert final["content"] == stored + "(end)"
    finally:
        restarted.kill()


def test_two_processes_share_one_live_stream_through_redis(
    tmp_path: Path, postgres_factory: PostgresFactory, fake_provider: FakeProvider
) -> None:
    database_url = postgres_factory.new()
    a = _server(tmp_path, "a", database_url, fake_provider, LLM_ROUTER_REDIS_URL=REDIS_URL)
    b = _server(tmp_path, "b", database_url, fake_provider, LLM_ROUTER_REDIS_URL=REDIS_URL)
    try:
        a.start(timeout=START_TIMEOUT)
        b.start(timeout=START_TIMEOUT)
        with (
            httpx.Client(base_url=a.url, timeout=30) as client_a,
            httpx.Client(base_url=b.url, timeout=30) as client_b,
        ):
            cid = new_conversation(client_a)["id"]
            fake_provider.enqueue(Behaviour(chunks=CHUNKS, delay=0.02), model=MODEL)
            message_id = send(client_a, cid, "Relay me")["assistant_message"]["id"]

            with client_b.stream("GET", f"/api/messages/{message_id}/stream") as response:
                reader = SseReader(response)
                assert reader.next().event == "message"
                first = reader.next()
                assert first.event == "delta"
                # live: the answer is still being generated in process A while B already relays it
                assert client_a.get(f"/api/messages/{message_id}").json()["status"] in (
                    "pending",
                    "streaming",
                )
                events = [first, *reader.until_done()]
            assert text_of(events) == "".join(CHUNKS)
            assert events[-1].data["status"] == "complete"
            assert events[-1].data["content"] == "".join(CHUNKS)
            # B read it from Redis (the job's stream is there), and a resume through B has no gap
            with redis.Redis.from_url(REDIS_URL) as client_redis:
                assert client_redis.exists(f"llm-router:message:{message_id}")
            assert text_of(read_stream(client_b, message_id, last_event_id="10:0")) == "".join(CHUNKS)[10:]
    finally:
        a.kill()
        b.kill()
        postgres_factory.drop(database_url)
