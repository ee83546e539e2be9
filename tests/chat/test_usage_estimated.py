"""Must-hold 1 of issue #20: against the fake in local-server mode (no usage in streams), tokens and cost
are recorded, estimated and marked as such, for complete, cut and cancelled answers; a priced model is
never logged at $0 for work that was done. Both surfaces: the web chat (message and usage row) and /v1."""

from __future__ import annotations

from typing import Any

import httpx

from llm_router.services.usage.estimate import CHARS_PER_TOKEN
from llm_router.testing import FakeProvider
from llm_router.testing.script import Behaviour
from tests.support.chat import MODEL, chat_server, client, new_conversation, send, wait_final, wait_until
from tests.support.v1 import OPENAI_MODEL, V1App

__all__ = ["chat_server", "client"]

WORDS = [f"word{i} " for i in range(12)]


def chat_log_row(client: httpx.Client, conversation_id: str) -> dict[str, Any]:
    """The usage row of the conversation's one answer (title requests are rows of their own source)."""
    rows = wait_until(
        lambda: client.get("/api/logs", params={"source": "chat"}).json()["items"],
        timeout=15,
        accept=lambda items: any(r["conversation_id"] == conversation_id for r in items),
        message="the usage row",
    )
    [row] = [r for r in rows if r["conversation_id"] == conversation_id]
    return row


def assert_estimated(message: dict[str, Any], row: dict[str, Any], text: str) -> None:
    assert message["tokens_estimated"] is True
    assert message["tokens_in"] > 0
    assert message["tokens_out"] == -(-len(text) // CHARS_PER_TOKEN)
    assert message["cost"] is not None
    assert message["cost"] > 0, "a priced model is never $0 for work that was done"
    assert row["usage_estimated"] is True
    assert (row["tokens_in"], row["tokens_out"]) == (message["tokens_in"], message["tokens_out"])
    assert row["cost"] == message["cost"]


def test_a_stream_without_usage_is_counted_here_and_marked(
    client: httpx.Client, fake_provider: FakeProvider
) -> None:
    fake_provider.enqueue(Behaviour(chunks=WORDS, stream_usage=False), model=MODEL)
    cid = new_conversation(client)["id"]
    final = wait_final(client, send(client, cid, "count")["assistant_message"]["id"])
    assert final["status"] == "complete"
    assert_estimated(final, chat_log_row(client, cid), "".join(WORDS))


def test_a_cut_stream_is_counted_up_to_the_cut(client: httpx.Client, fake_provider: FakeProvider) -> None:
    fake_provider.enqueue(Behaviour(chunks=WORDS, cut_after=5, stream_usage=False), model=MODEL)
    cid = new_conversation(client)["id"]
    final = wait_final(client, send(client, cid, "count")["assistant_message"]["id"])
    assert final["status"] == "error"
    assert final["content"] == "".join(WORDS[:5])
    assert_estimated(final, chat_log_row(client, cid), final["content"])


def test_a_cancelled_answer_is_counted_up_to_the_cancel(
    client: httpx.Client, fake_provider: FakeProvider
) -> None:
    fake_provider.enqueue(Behaviour(chunks=WORDS, pause_after=4, stream_usage=False), model=MODEL)
    cid = new_conversation(client)["id"]
    message_id = send(client, cid, "count")["assistant_message"]["id"]
    fake_provider.wait_until_paused()
    wait_until(
        lambda: client.get(f"/api/messages/{message_id}").json()["content"],
        accept=lambda text: text == "".join(WORDS[:4]),
        message="the text before the pause",
    )
    assert client.post(f"/api/messages/{message_id}/cancel").status_code == 200
    fake_provider.release()
    final = wait_final(client, message_id)
    assert final["status"] == "cancelled"
    assert_estimated(final, chat_log_row(client, cid), final["content"])


def test_usage_the_upstream_reports_is_not_marked(client: httpx.Client, fake_provider: FakeProvider) -> None:
    fake_provider.enqueue(Behaviour(chunks=WORDS), model=MODEL)
    cid = new_conversation(client)["id"]
    final = wait_final(client, send(client, cid, "count")["assistant_message"]["id"])
    assert final["tokens_estimated"] is False
    assert chat_log_row(client, cid)["usage_estimated"] is False


def test_v1_streams_without_usage_are_estimated_and_marked(
    v1_app: V1App, fake_provider: FakeProvider
) -> None:
    fake_provider.enqueue(Behaviour(chunks=WORDS, stream_usage=False))
    body = {"model": OPENAI_MODEL, "messages": [{"role": "user", "content": "count"}], "stream": True}
    body["stream_options"] = {"include_usage": True}
    with httpx.stream("POST", f"{v1_app.url}/v1/chat/completions", json=body, timeout=10) as response:
        assert response.status_code == 200
        wire = "".join(response.iter_text())
    assert fake_provider.requests[-1].json["stream_options"] == {"include_usage": True}, "usage was asked for"
    assert '"usage":{' in wire, "the client still gets a usage chunk (estimated)"
    [row] = v1_app.wait_logs(1)
    assert row["usage_estimated"] is True
    assert row["tokens_out"] == -(-len("".join(WORDS)) // CHARS_PER_TOKEN)
    assert row["cost"] > 0


def test_a_history_past_a_local_window_is_reported_as_overflow_with_advice(
    client: httpx.Client, fake_provider: FakeProvider
) -> None:
    fake_provider.enqueue(Behaviour(chunks=WORDS, stream_usage=False), model=MODEL)
    fake_provider.enqueue(Behaviour(context_window=20, stream_usage=False), model=MODEL)
    cid = new_conversation(client)["id"]
    first = wait_final(client, send(client, cid, "count")["assistant_message"]["id"])
    assert first["status"] == "complete"
    second = wait_final(client, send(client, cid, "and again, " * 10)["assistant_message"]["id"])
    assert second["status"] == "error"
    assert second["error_kind"] == "context_length"
    assert "context window" in second["error"]
    assert "broke off" not in second["error"]
