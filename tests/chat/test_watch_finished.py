"""A watcher that arrives just after an answer finished: served from the row the job's final write
returned (``GenerationManager.finished_message``), which must be exactly what is stored, and never for
a conversation deleted since."""

from __future__ import annotations

import httpx

from llm_router.testing import FakeProvider
from llm_router.testing.script import Behaviour
from tests.support.chat import (
    MODEL,
    SseReader,
    chat_server,
    client,
    new_conversation,
    read_stream,
    send,
    text_of,
    wait_final,
)

__all__ = ["chat_server", "client"]

WORDS = [f"w{i} " for i in range(8)]


def test_a_finished_answer_streams_exactly_its_stored_row(
    client: httpx.Client, fake_provider: FakeProvider
) -> None:
    cid = new_conversation(client)["id"]
    fake_provider.enqueue(Behaviour(chunks=WORDS), model=MODEL)
    message_id = send(client, cid, "Count")["assistant_message"]["id"]
    stored = wait_final(client, message_id)
    events = read_stream(client, message_id)
    assert text_of(events) == "".join(WORDS) == stored["content"]
    done = events[-1].data
    for field in ("status", "content", "tokens_in", "tokens_out", "cost", "latency_ms", "ttft_ms", "model"):
        assert done[field] == stored[field], field
    assert done["status"] == "complete"
    assert done["tokens_in"] > 0


def test_a_deleted_conversation_s_finished_answer_is_not_served(
    client: httpx.Client, fake_provider: FakeProvider
) -> None:
    cid = new_conversation(client)["id"]
    fake_provider.enqueue(Behaviour(chunks=WORDS), model=MODEL)
    message_id = send(client, cid, "Count")["assistant_message"]["id"]
    wait_final(client, message_id)
    assert client.delete(f"/api/conversations/{cid}").status_code == 204
    assert client.get(f"/api/messages/{message_id}/stream").status_code == 404


def test_a_watcher_joining_mid_answer_sees_it_streaming(
    client: httpx.Client, fake_provider: FakeProvider
) -> None:
    # served from memory: the turn's row was stored as "pending" before the first piece arrived; a page
    # reloaded mid-answer must show it streaming, with the text so far
    cid = new_conversation(client)["id"]
    fake_provider.enqueue(Behaviour(chunks=WORDS, pause_after=3), model=MODEL)
    message_id = send(client, cid, "Count")["assistant_message"]["id"]
    fake_provider.wait_until_paused()
    with client.stream("GET", f"/api/messages/{message_id}/stream") as response:
        assert response.status_code == 200
        first = SseReader(response).next()
        assert first.event == "message"
        assert first.data["status"] == "streaming"
    fake_provider.release()
    assert wait_final(client, message_id)["content"] == "".join(WORDS)
