"""Background generation in one server: it outlives its watchers, streams resumably over SSE, keeps
partial text on errors, cancels, continues, refuses a second job on a branch, and is interrupted (text
kept) by a shutdown. On SQLite and PostgreSQL, with the fake provider as the model."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from llm_router.api.app import create_app
from llm_router.core.settings import Settings
from llm_router.testing import FakeProvider
from llm_router.testing.script import Behaviour
from tests.support.chat import (
    FAKE_KEY,
    MODEL,
    SseReader,
    chat_server,
    client,
    new_conversation,
    read_stream,
    send,
    text_of,
    use_fake_provider,
    wait_final,
    wait_until,
)
from tests.support.server import LiveServer

__all__ = ["chat_server", "client"]

WORDS = [f"word{i} " for i in range(40)]
FULL = "".join(WORDS)


def _slow(fake: FakeProvider, chunks: list[str] = WORDS, delay: float = 0.03) -> None:
    fake.enqueue(Behaviour(chunks=chunks, delay=delay), model=MODEL)


def test_send_answers_at_once_and_stores_the_whole_answer(
    client: httpx.Client, fake_provider: FakeProvider
) -> None:
    cid = new_conversation(client, temperature=0.2)["id"]
    _slow(fake_provider)
    turn = send(client, cid, "Count for me")
    assistant = turn["assistant_message"]
    assert assistant["status"] in ("pending", "streaming")
    assert turn["user_message"]["content"] == "Count for me"
    assert assistant["parent_id"] == turn["user_message"]["id"]

    final = wait_final(client, assistant["id"])
    assert final["status"] == "complete"
    assert final["content"] == FULL
    assert final["finish_reason"] == "stop"
    assert final["model"] == MODEL
    assert final["provider"] == "openai"
    assert final["params"]["temperature"] == 0.2
    assert final["tokens_in"] > 0
    assert final["tokens_out"] > 0
    assert final["cost"] is not None
    assert final["cost"] > 0
    assert final["latency_ms"] >= final["ttft_ms"] >= 0
    conversation = client.get(f"/api/conversations/{cid}").json()
    assert conversation["message_count"] == 2
    assert abs(conversation["total_cost"] - final["cost"]) < 1e-12


def test_client_disconnecting_mid_stream_changes_nothing(
    client: httpx.Client, fake_provider: FakeProvider
) -> None:
    cid = new_conversation(client)["id"]
    _slow(fake_provider)
    message_id = send(client, cid, "Go")["assistant_message"]["id"]
    with client.stream("GET", f"/api/messages/{message_id}/stream") as response:
        reader = SseReader(response)
        assert reader.next().event == "message"
        assert reader.next().event == "delta"
    # the watcher is gone; the job is not
    final = wait_final(client, message_id)
    assert final["status"] == "complete"
    assert final["content"] == FULL


def test_last_event_id_resumes_without_gap_or_duplicate(
    client: httpx.Client, fake_provider: FakeProvider
) -> None:
    cid = new_conversation(client)["id"]
    _slow(fake_provider)
    message_id = send(client, cid, "Go")["assistant_message"]["id"]
    received = ""
    last_id = None
    with client.stream("GET", f"/api/messages/{message_id}/stream") as response:
        reader = SseReader(response)
        first = reader.next()
        assert first.event == "message"
        assert first.data["content"] == ""
        while len(received) < 20:
            event = reader.next()
            assert event.event == "delta"
            received += event.data["text"]
            last_id = event.id
            assert last_id == f"{len(received)}:0"

    resumed = read_stream(client, message_id, last_event_id=last_id)
    assert resumed[0].event == "message"
    assert resumed[0].data["content"] == received  # the snapshot is cut where the client is
    assert resumed[-1].event == "done"
    assert resumed[-1].data["status"] == "complete"
    rest = text_of(resumed)
    assert received + rest == FULL
    assert resumed[-1].data["content"] == FULL

    # a finished message replays in full, and from any offset
    replay = read_stream(client, message_id)
    assert text_of(replay) == FULL
    assert next(e.event for e in replay) == "message"
    assert replay[-1].event == "done"
    assert text_of(read_stream(client, message_id, last_event_id="7:0")) == FULL[7:]
    assert text_of(read_stream(client, message_id, last_event_id="garbage")) == FULL


def test_reasoning_streams_with_its_own_offset(client: httpx.Client, fake_provider: FakeProvider) -> None:
    cid = new_conversation(client, model="o4-mini", reasoning="high")["id"]
    fake_provider.enqueue(Behaviour(chunks=["42"], reasoning_chunks=["Let me ", "think."]), model="o4-mini")
    message_id = send(client, cid, "Answer?")["assistant_message"]["id"]
    final = wait_final(client, message_id)
    assert final["status"] == "complete"
    events = read_stream(client, message_id)
    reasoning = "".join(e.data["text"] for e in events if e.event == "reasoning")
    assert reasoning == final["reasoning_content"]
    assert final["content"] == "42"
    ids = [e.id for e in events if e.event in ("delta", "reasoning")]
    assert ids[-1] == f"2:{len(reasoning)}"


def test_upstream_error_mid_stream_keeps_partial_text(
    client: httpx.Client, fake_provider: FakeProvider
) -> None:
    cid = new_conversation(client)["id"]
    fake_provider.enqueue(Behaviour(chunks=WORDS[:10], cut_after=4), model=MODEL)
    message_id = send(client, cid, "Go")["assistant_message"]["id"]
    final = wait_final(client, message_id)
    assert final["status"] == "error"
    assert final["content"] == "".join(WORDS[:4])
    assert final["error_kind"] == "stream_cut"
    assert final["error"]
    assert "sk-" not in final["error"]
    done = read_stream(client, message_id)[-1]
    assert done.event == "done"
    assert done.data["error_kind"] == "stream_cut"


def test_upstream_refusal_ends_in_a_readable_error(client: httpx.Client, fake_provider: FakeProvider) -> None:
    cid = new_conversation(client)["id"]
    fake_provider.enqueue(Behaviour(status=401), model=MODEL)
    final = wait_final(client, send(client, cid, "Go")["assistant_message"]["id"])
    assert final["status"] == "error"
    assert final["error_kind"] == "auth"
    assert "OPENAI_API_KEY" in final["error"]  # says how to fix it
    assert FAKE_KEY not in final["error"]
    assert FAKE_KEY[-8:] not in final["error"]
    assert final["content"] == ""


def test_second_send_on_a_running_branch_is_409_and_cancel_keeps_text(
    client: httpx.Client, fake_provider: FakeProvider
) -> None:
    cid = new_conversation(client)["id"]
    _slow(fake_provider, [f"slow{i} " for i in range(400)], delay=0.02)
    turn = send(client, cid, "Long story please")
    message_id = turn["assistant_message"]["id"]

    busy = client.post(f"/api/conversations/{cid}/messages", json={"content": "Another"})
    assert busy.status_code == 409
    assert "still being generated" in busy.json()["error"]["message"]
    assert client.post(f"/api/messages/{message_id}/regenerate").status_code == 409

    wait_until(
        lambda: len(client.get(f"/api/messages/{message_id}").json()["content"]) > 0, message="some text"
    )
    cancelled = client.post(f"/api/messages/{message_id}/cancel")
    assert cancelled.status_code == 200
    body = cancelled.json()
    assert body["status"] == "cancelled"
    assert body["content"]
    assert "".join(f"slow{i} " for i in range(400)).startswith(body["content"])
    assert len(body["content"]) < len("".join(f"slow{i} " for i in range(400)))
    assert read_stream(client, message_id)[-1].data["status"] == "cancelled"

    # the branch is free again
    fake_provider.enqueue(Behaviour(chunks=["ok"]), model=MODEL)
    after = send(client, cid, "Short then")
    assert wait_final(client, after["assistant_message"]["id"])["content"] == "ok"


def test_continue_appends_to_a_cancelled_answer(client: httpx.Client, fake_provider: FakeProvider) -> None:
    cid = new_conversation(client)["id"]
    fake_provider.enqueue(Behaviour(chunks=WORDS[:10], cut_after=3), model=MODEL)
    message_id = send(client, cid, "Go")["assistant_message"]["id"]
    partial = wait_final(client, message_id)["content"]
    assert partial == "".join(WORDS[:3])

    fake_provider.enqueue(Behaviour(chunks=["and ", "the rest."]), model=MODEL)
    continued = client.post(f"/api/messages/{message_id}/continue")
    assert continued.status_code == 202
    assert continued.json()["assistant_message"]["id"] == message_id
    final = wait_final(client, message_id)
    assert final["status"] == "complete"
    assert final["content"] == partial + "and the rest."
    assert final["error"] is None
    upstream = [r for r in fake_provider.requests if r.model == MODEL][-1].json["messages"]
    assert upstream[-2] == {"role": "assistant", "content": partial}
    assert "Continue" in upstream[-1]["content"]
    # resuming from the old offset gives exactly the appended text
    assert text_of(read_stream(client, message_id, last_event_id=f"{len(partial)}:0")) == "and the rest."
    again = client.post(f"/api/messages/{message_id}/continue")
    assert again.status_code == 409


def test_deleting_a_conversation_stops_its_job(client: httpx.Client, fake_provider: FakeProvider) -> None:
    cid = new_conversation(client)["id"]
    _slow(fake_provider, [f"x{i} " for i in range(400)], delay=0.02)
    message_id = send(client, cid, "Go")["assistant_message"]["id"]
    assert client.delete(f"/api/conversations/{cid}").status_code == 204
    assert client.get(f"/api/messages/{message_id}").status_code == 404


def test_shutdown_interrupts_running_answers_keeping_their_text(
    make_settings: Callable[..., Settings], fake_provider: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_fake_provider(monkeypatch, fake_provider)
    settings = make_settings()
    server = LiveServer(create_app(settings)).start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            cid = new_conversation(c)["id"]
            _slow(fake_provider, [f"y{i} " for i in range(400)], delay=0.02)
            message_id = send(c, cid, "Go")["assistant_message"]["id"]
            wait_until(
                lambda: len(c.get(f"/api/messages/{message_id}").json()["content"]) > 0, message="text"
            )
    finally:
        server.stop()
    restarted = LiveServer(create_app(settings)).start()
    try:
        with httpx.Client(base_url=restarted.url, timeout=30) as c:
            message = c.get(f"/api/messages/{message_id}").json()
            assert message["status"] == "interrupted"
            assert message["content"].startswith("y0 ")
            assert "interrupted" in message["error"]
            assert read_stream(c, message_id)[-1].data["status"] == "interrupted"
    finally:
        restarted.stop()


def test_a_second_server_without_redis_streams_by_polling_the_database(
    chat_server: LiveServer, client: httpx.Client, settings: Settings, fake_provider: FakeProvider
) -> None:
    other = LiveServer(create_app(settings)).start()
    try:
        cid = new_conversation(client)["id"]
        _slow(fake_provider)
        message_id = send(client, cid, "Go")["assistant_message"]["id"]
        with httpx.Client(base_url=other.url, timeout=30) as c:
            events = read_stream(c, message_id)
        assert text_of(events) == FULL
        assert events[-1].data["status"] == "complete"
    finally:
        other.stop()


def test_a_broken_redis_never_breaks_an_answer_or_a_stream(
    make_settings: Callable[..., Settings], fake_provider: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_fake_provider(monkeypatch, fake_provider)
    settings = make_settings(redis_url="redis://127.0.0.1:1/0")  # nothing listens there
    a = LiveServer(create_app(settings)).start()
    b = LiveServer(create_app(settings)).start()
    try:
        with (
            httpx.Client(base_url=a.url, timeout=30) as client_a,
            httpx.Client(base_url=b.url, timeout=30) as client_b,
        ):
            cid = new_conversation(client_a)["id"]
            _slow(fake_provider)
            message_id = send(client_a, cid, "Go")["assistant_message"]["id"]
            events = read_stream(client_b, message_id)  # B tries Redis, then polls the database
            assert text_of(events) == FULL
            assert events[-1].data["status"] == "complete"
            assert text_of(read_stream(client_a, message_id)) == FULL
    finally:
        a.stop()
        b.stop()


def test_idle_streams_get_ping_comments(
    client: httpx.Client, fake_provider: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    from llm_router.services.chat import watch as message_stream

    monkeypatch.setattr(message_stream, "PING_INTERVAL", 0.02)  # 15 s in production
    cid = new_conversation(client)["id"]
    fake_provider.enqueue(Behaviour(chunks=["a", "b", "c"], delay=0.3), model=MODEL)
    message_id = send(client, cid, "Go")["assistant_message"]["id"]
    with client.stream("GET", f"/api/messages/{message_id}/stream") as response:
        reader = SseReader(response)
        events = reader.until_done()
    assert text_of(events) == "abc"
    assert ": ping" in reader.comments
