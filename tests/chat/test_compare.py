"""Compare: one prompt to several models at once, the answers siblings generated in parallel as durable
jobs; picking one continues on its branch. On SQLite and PostgreSQL, the models being the fake provider."""

from __future__ import annotations

import httpx
import pytest

from llm_router.testing import FakeProvider
from llm_router.testing.script import Behaviour
from tests.support.chat import (
    SseReader,
    chat_server,
    client,
    new_conversation,
    send,
    text_of,
    wait_final,
)

__all__ = ["chat_server", "client"]

MODELS = ["gpt-4o", "gpt-4o-mini", "claude-haiku-4-5"]
CHUNKS = {m: [f"{m}:{i} " for i in range(12)] for m in MODELS}


def _compare(client: httpx.Client, cid: str, content: str, models: list[str]) -> httpx.Response:
    return client.post(f"/api/conversations/{cid}/compare", json={"content": content, "models": models})


def test_three_models_answer_as_siblings_streamed_at_the_same_time(
    client: httpx.Client, fake_provider: FakeProvider
) -> None:
    cid = new_conversation(client, title="compare")["id"]
    for model in MODELS:  # each stream stops after 3 pieces until released
        fake_provider.enqueue(Behaviour(chunks=CHUNKS[model], pause_after=3), model=model)
    response = _compare(client, cid, "Which is best?", MODELS)
    assert response.status_code == 202, response.text
    turn = response.json()
    user, answers = turn["user_message"], turn["assistant_messages"]
    assert [a["parent_id"] for a in answers] == [user["id"]] * 3
    assert [a["model"] for a in answers] == MODELS
    ids = [a["id"] for a in answers]

    # All three upstream streams are open and paused at once: they run in parallel, not one after another.
    fake_provider.wait_until_paused(3)
    streams = [client.stream("GET", f"/api/messages/{i}/stream") for i in ids]
    readers = [SseReader(s.__enter__()) for s in streams]
    try:
        firsts = []
        for model, reader in zip(MODELS, readers, strict=True):
            # each watcher sees its own partial answer while all three are paused mid-stream
            snapshot = reader.next()
            assert snapshot.event == "message"
            text = snapshot.data["content"]
            while text != "".join(CHUNKS[model][:3]):
                event = reader.next()
                assert event.event == "delta"
                text += event.data["text"]
            firsts.append(text)
        for i in ids:
            assert client.get(f"/api/messages/{i}").json()["status"] in ("pending", "streaming")
        fake_provider.release()
        rests = [text_of(reader.until_done()) for reader in readers]
    finally:
        for s in streams:
            s.__exit__(None, None, None)
    assert [f + r for f, r in zip(firsts, rests, strict=True)] == ["".join(CHUNKS[m]) for m in MODELS]

    finals = [wait_final(client, i) for i in ids]
    for model, final in zip(MODELS, finals, strict=True):
        assert final["status"] == "complete"
        assert final["content"] == "".join(CHUNKS[model])
        assert final["model"] == model
        assert final["params"]["compare"] == user["id"]
        assert final["cost"] is not None or model.startswith("claude")  # priced by the OpenAI provider
        assert final["latency_ms"] >= final["ttft_ms"] >= 0
        assert final["tokens_out"] > 0
    conversation = client.get(f"/api/conversations/{cid}").json()
    assert conversation["message_count"] == 4
    shown = conversation["messages"]
    assert shown[-1]["id"] == ids[0]  # the first answer's branch until one is picked
    assert shown[-1]["sibling_ids"] == ids
    assert abs(conversation["total_cost"] - sum(f["cost"] or 0 for f in finals)) < 1e-9

    # picking the second answer continues the conversation below it; the others stay as siblings
    picked = client.post(f"/api/conversations/{cid}/switch", json={"message_id": ids[1]}).json()
    assert picked["active_leaf_id"] == ids[1]
    fake_provider.enqueue(Behaviour(chunks=["next"]), model="gpt-4o")
    follow = send(client, cid, "Go on", model="gpt-4o")
    assert follow["user_message"]["parent_id"] == ids[1]
    assert wait_final(client, follow["assistant_message"]["id"])["status"] == "complete"
    upstream = fake_provider.requests[-1].json["messages"]
    assert [m["content"] for m in upstream if m["role"] == "assistant"] == ["".join(CHUNKS["gpt-4o-mini"])]
    path = client.get(f"/api/conversations/{cid}").json()["messages"]
    assert [m["id"] for m in path][:2] == [user["id"], ids[1]]
    assert path[1]["sibling_ids"] == ids


@pytest.mark.parametrize("models", [["gpt-4o"], ["gpt-4o", "gpt-4o-mini", "claude-haiku-4-5", "a", "b"]])
def test_fewer_than_two_or_more_than_four_models_are_refused(client: httpx.Client, models: list[str]) -> None:
    cid = new_conversation(client)["id"]
    response = _compare(client, cid, "hi", models)
    assert response.status_code == 422
    assert "models" in response.text
    assert client.get(f"/api/conversations/{cid}").json()["message_count"] == 0


def test_a_repeated_or_unknown_model_stores_nothing_and_names_the_available_ones(
    client: httpx.Client, fake_provider: FakeProvider
) -> None:
    fake_provider.models = MODELS
    cid = new_conversation(client)["id"]
    repeated = _compare(client, cid, "hi", ["gpt-4o", "gpt-4o"])
    assert repeated.status_code == 422
    assert "once" in repeated.json()["error"]["message"]
    unknown = _compare(client, cid, "hi", ["gpt-4o", "no-such-model"])
    assert unknown.status_code == 404
    message = unknown.json()["error"]["message"]
    assert "no-such-model" in message
    assert "gpt-4o-mini" in message
    assert client.get(f"/api/conversations/{cid}").json()["message_count"] == 0


def test_no_cloud_applies_to_each_model(client: httpx.Client) -> None:
    cid = new_conversation(client)["id"]
    response = _compare(client, cid, "secret #no_cloud", ["gpt-4o", "gpt-4o-mini"])
    assert response.status_code == 400
    assert "#no_cloud" in response.json()["error"]["message"]
    assert client.get(f"/api/conversations/{cid}").json()["message_count"] == 0


def test_compare_waits_for_a_running_answer_on_the_branch(
    client: httpx.Client, fake_provider: FakeProvider
) -> None:
    cid = new_conversation(client, title="busy")["id"]
    fake_provider.enqueue(Behaviour(chunks=["a", "b"], pause_after=1), model="gpt-4o")
    running = send(client, cid, "first")["assistant_message"]["id"]
    fake_provider.wait_until_paused(1)
    assert _compare(client, cid, "second", ["gpt-4o", "gpt-4o-mini"]).status_code == 409
    fake_provider.release()
    assert wait_final(client, running)["status"] == "complete"
