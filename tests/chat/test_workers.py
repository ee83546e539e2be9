"""``llm-router serve --workers 2`` on one SQLite file, as real processes sharing one port.

Which worker answers a connection is the kernel's choice; ``/health`` names the worker (its process id)
when there are several, so a test opens connections until it holds one to the worker it wants and then
keeps using that connection (keep-alive: the same worker answers every request on it).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from llm_router.testing import FakeProvider
from llm_router.testing.script import Behaviour
from tests.support.chat import MODEL, SseReader, new_conversation, provider_env, send, text_of, wait_final
from tests.support.server import ServerProcess
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow

START_TIMEOUT = 180  # two fresh interpreters import the app on a loaded machine; a deadline only
CHUNKS = [f"piece{i} " for i in range(40)]
FULL = "".join(CHUNKS)


@pytest.fixture
def server(tmp_path: Path, fake_provider: FakeProvider) -> Iterator[ServerProcess]:
    env = {
        "LLM_ROUTER_DATA_DIR": str(tmp_path / "data"),
        "LLM_ROUTER_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'shared.db'}",
        "LLM_ROUTER_WORKERS": "2",
        "LLM_ROUTER_AUTH": "none",
        "LLM_ROUTER_LOG_LEVEL": "INFO",
        "LLM_ROUTER_REDIS_URL": "",  # no Redis: the workers share through the database and sockets
        "ANTHROPIC_API_KEY": "",
        "OPENROUTER_API_KEY": "",
        "OLLAMA_BASE_URL": "",
        **provider_env(fake_provider),
    }
    process = ServerProcess(env, cwd=tmp_path)
    process.start(timeout=START_TIMEOUT)
    try:
        yield process
    finally:
        if process.proc is not None and process.proc.poll() is None:
            process.terminate()  # the supervisor stops its workers


def _worker_of(client: httpx.Client) -> int:
    return int(client.get("/health").json()["worker"])


def _client_for(server: ServerProcess, pid: int | None = None, avoid: int | None = None) -> httpx.Client:
    """A one-connection client whose connection is served by worker ``pid`` (or by any but ``avoid``)."""
    for _ in range(400):
        client = httpx.Client(
            base_url=server.url,
            timeout=30,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        )
        worker = _worker_of(client)
        if (pid is None or worker == pid) and worker != avoid:
            return client
        client.close()
    raise AssertionError(f"no connection reached worker {pid or f'other than {avoid}'} in 400 tries")


def _two_workers(server: ServerProcess) -> tuple[httpx.Client, httpx.Client]:
    first = _client_for(server)
    second = _client_for(server, avoid=_worker_of(first))
    return first, second


def test_a_stream_started_through_one_worker_is_followed_through_the_other(
    server: ServerProcess, fake_provider: FakeProvider
) -> None:
    client_a, client_b = _two_workers(server)
    with closing(client_a), closing(client_b):
        assert _worker_of(client_a) != _worker_of(client_b)
        cid = new_conversation(client_a)["id"]
        fake_provider.enqueue(Behaviour(chunks=CHUNKS, pause_after=10), model=MODEL)
        message_id = send(client_a, cid, "Stream through the other worker")["assistant_message"]["id"]
        fake_provider.wait_until_paused()

        with client_b.stream("GET", f"/api/messages/{message_id}/stream") as response:
            assert response.status_code == 200
            reader = SseReader(response)
            assert reader.next().event == "message"
            first = reader.next()
            # worker B relays the answer while worker A is still generating it (it is paused upstream)
            assert first.event == "delta"
            assert FULL.startswith(first.data["text"])
            assert client_a.get(f"/api/messages/{message_id}").json()["status"] in ("pending", "streaming")
            fake_provider.release()
            events = [first, *reader.until_done()]
        assert text_of(events) == FULL
        assert events[-1].data["status"] == "complete"
        # a reconnect through worker B that resumes at an offset has no gap and no duplicate
        with client_b.stream(
            "GET", f"/api/messages/{message_id}/stream", headers={"Last-Event-ID": "12:0"}
        ) as response:
            assert text_of(SseReader(response).until_done()) == FULL[12:]


def test_a_killed_workers_answer_ends_interrupted_while_the_other_workers_answer_completes(
    server: ServerProcess, fake_provider: FakeProvider, tmp_path: Path
) -> None:
    client_a, client_b = _two_workers(server)
    with closing(client_a), closing(client_b):
        doomed_pid = _worker_of(client_a)
        fake_provider.enqueue(Behaviour(chunks=CHUNKS, pause_after=8), model=MODEL)
        doomed = send(client_a, new_conversation(client_a)["id"], "Dies with its worker")["assistant_message"]
        fake_provider.wait_until_paused(1)
        fake_provider.enqueue(Behaviour(chunks=CHUNKS, pause_after=8), model=MODEL)
        survivor = send(client_b, new_conversation(client_b)["id"], "Outlives the other")["assistant_message"]
        fake_provider.wait_until_paused(2)
        # the doomed answer's first pieces reach the database (flushed within a second)
        wait_until(
            lambda: client_b.get(f"/api/messages/{doomed['id']}").json()["content"],
            message="the doomed answer's partial text to be flushed",
        )

        os.kill(doomed_pid, signal.SIGKILL)  # no shutdown code runs in that worker

        # the other worker's heartbeat sweep finds the orphan: interrupted, with its text
        interrupted = wait_until(
            lambda: client_b.get(f"/api/messages/{doomed['id']}").json(),
            accept=lambda m: m["status"] not in ("pending", "streaming"),
            message="the killed worker's answer to be marked",
        )
        assert interrupted["status"] == "interrupted"
        assert interrupted["content"]
        assert FULL.startswith(interrupted["content"])
        assert "interrupted" in interrupted["error"]
        # ... while the surviving worker's answer was never touched and now completes
        assert client_b.get(f"/api/messages/{survivor['id']}").json()["status"] == "streaming"
        fake_provider.release()
        final = wait_final(client_b, survivor["id"])
        assert final["status"] == "complete"
        assert final["content"] == FULL

    # the supervisor replaced the killed worker, and the file is sound
    with closing(_client_for(server)) as any_worker:  # the restarted one may still be starting
        survivor_pid = _worker_of(any_worker)

    def replaced() -> bool:
        try:
            with closing(_client_for(server, avoid=survivor_pid)) as fresh:
                return _worker_of(fresh) != doomed_pid
        except (AssertionError, httpx.HTTPError):
            return False

    wait_until(replaced, timeout=START_TIMEOUT, message="a new worker in place of the killed one")
    with sqlite3.connect(tmp_path / "data" / "shared.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_200_concurrent_writers_see_no_database_is_locked(server: ServerProcess) -> None:
    async def writer(i: int) -> list[int]:
        statuses = []
        async with httpx.AsyncClient(base_url=server.url, timeout=120) as client:
            created = await client.post("/api/conversations", json={"model": MODEL, "title": f"writer {i}"})
            statuses.append(created.status_code)
            if created.status_code == 201:
                cid = created.json()["id"]
                for n in range(3):
                    renamed = await client.patch(f"/api/conversations/{cid}", json={"title": f"w{i} r{n}"})
                    statuses.append(renamed.status_code)
        return statuses

    async def everyone() -> list[list[int]]:
        return await asyncio.gather(*(writer(i) for i in range(200)))

    results = asyncio.run(everyone())
    statuses = [status for result in results for status in result]
    assert statuses.count(201) == 200
    assert statuses.count(200) == 600, sorted(set(statuses))
    with httpx.Client(base_url=server.url, timeout=30) as client:
        listed = client.get("/api/conversations", params={"limit": 200}).json()["items"]
    assert len(listed) == 200
    assert {c["title"] for c in listed} == {f"w{i} r2" for i in range(200)}
    log = server.log()
    assert "database is locked" not in log
    assert "Traceback" not in log
