"""The web app's chat follows the routing policies as ``/v1`` does: route aliases with their fallback
chains, local-first, and ``#no_cloud``. Two fake servers speak real HTTP: "cloud" (OpenAI and Anthropic
models) and "local" (an Ollama-like provider); see ``tests.support.v1``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from llm_router.testing.fake_provider import FakeProvider
from llm_router.testing.script import Behaviour
from tests.support.chat import new_conversation, send, wait_final
from tests.support.v1 import ANTHROPIC_MODEL, LOCAL_MODEL, OPENAI_BIG, OPENAI_MODEL, V1App

ROUTES = {
    "confidence_threshold": 0.7,
    "routes": {
        "chain": {"models": [OPENAI_MODEL, ANTHROPIC_MODEL]},
        "auto": {"local": LOCAL_MODEL, "models": [OPENAI_BIG]},
        "cloud-only": {"models": [OPENAI_MODEL]},
    },
}


@pytest.fixture
def v1_overrides() -> dict[str, object]:
    return {"routes": ROUTES}


@pytest.fixture
def chat(v1_app: V1App) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=v1_app.url, headers={"X-Device-Id": "phone-1"}, timeout=30) as client:
        yield client


def _conversation(chat: httpx.Client, model: str) -> str:
    # A title of its own: no background title request reaches the fakes and muddles their logs.
    return str(new_conversation(chat, model=model, title="routing test")["id"])


def _model_calls(fake: FakeProvider) -> list[str | None]:
    """The models asked, in order (the catalog's ``/models`` requests left out)."""
    return [r.model for r in fake.requests if not r.path.endswith("/models")]


def _chat_logs(chat: httpx.Client, conversation_id: str) -> list[dict[str, Any]]:
    items = chat.get("/api/logs", params={"source": "chat"}).json()["items"]
    return [dict(r) for r in items if r["conversation_id"] == conversation_id]


def test_a_rate_limited_first_model_hands_the_message_to_the_next(
    chat: httpx.Client, fake_provider: FakeProvider
) -> None:
    # Without max_retries=0 the SDK would wait the 30 s and ask the same model again.
    fake_provider.enqueue(Behaviour(status=429, retry_after=30), model=OPENAI_MODEL)
    fake_provider.enqueue(Behaviour(chunks=["from ", "claude"]), model=ANTHROPIC_MODEL)
    cid = _conversation(chat, "chain")

    answer = wait_final(chat, send(chat, cid, "Hello")["assistant_message"]["id"])

    assert answer["status"] == "complete"
    assert answer["content"] == "from claude"
    assert (answer["model"], answer["provider"]) == (ANTHROPIC_MODEL, "anthropic")
    assert _model_calls(fake_provider) == [OPENAI_MODEL, ANTHROPIC_MODEL]
    assert answer["params"]["route"] == "chain"
    tried = [(a["model"], a["outcome"]) for a in answer["params"]["attempts"]]
    assert tried == [(OPENAI_MODEL, "rate_limit"), (ANTHROPIC_MODEL, "ok")]
    [row] = _chat_logs(chat, cid)  # one usage row for the message, listing every upstream call
    assert (row["route"], row["requested_model"], row["model"]) == ("chain", "chain", ANTHROPIC_MODEL)
    assert [(a["model"], a["outcome"]) for a in row["attempts"]] == tried
    assert row["status"] == "ok"


def test_regenerate_follows_the_route_not_the_model_that_answered(
    chat: httpx.Client, fake_provider: FakeProvider
) -> None:
    fake_provider.enqueue(Behaviour(status=503), model=OPENAI_MODEL)
    cid = _conversation(chat, "chain")
    first = wait_final(chat, send(chat, cid, "Hello")["assistant_message"]["id"])
    assert first["model"] == ANTHROPIC_MODEL

    response = chat.post(f"/api/messages/{first['id']}/regenerate")
    assert response.status_code == 202, response.text
    again = wait_final(chat, response.json()["assistant_message"]["id"])

    assert again["status"] == "complete"
    assert again["model"] == OPENAI_MODEL  # the chain's first choice, answering this time
    assert again["params"]["route"] == "chain"


def test_no_cloud_with_a_cloud_model_is_refused_before_anything_is_stored_or_sent(
    chat: httpx.Client, fake_provider: FakeProvider
) -> None:
    for model in (OPENAI_MODEL, "cloud-only"):
        cid = _conversation(chat, model)
        response = chat.post(f"/api/conversations/{cid}/messages", json={"content": "my diary #no_cloud"})

        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert error["code"] == "policy_refusal"
        assert "#no_cloud" in error["message"]
        assert "local model" in error["message"]
        assert chat.get(f"/api/conversations/{cid}").json()["message_count"] == 0
    assert fake_provider.requests == []


def test_an_edit_adding_no_cloud_to_a_cloud_conversation_is_refused(
    chat: httpx.Client, fake_provider: FakeProvider
) -> None:
    cid = _conversation(chat, OPENAI_MODEL)
    turn = send(chat, cid, "hello")
    wait_final(chat, turn["assistant_message"]["id"])
    calls = len(fake_provider.requests)

    response = chat.post(
        f"/api/messages/{turn['user_message']['id']}/edit", json={"content": "hello #no_cloud"}
    )

    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "policy_refusal"
    assert len(fake_provider.requests) == calls
    assert chat.get(f"/api/conversations/{cid}").json()["message_count"] == 2


def test_no_cloud_with_a_local_first_route_is_answered_locally_without_the_tag(
    chat: httpx.Client, fake_provider: FakeProvider, local_provider: FakeProvider
) -> None:
    local_provider.enqueue(Behaviour(chunks=["local ", "answer"]))
    cid = _conversation(chat, "auto")

    turn = send(chat, cid, "my secret notes #no_cloud please")
    answer = wait_final(chat, turn["assistant_message"]["id"])

    assert answer["status"] == "complete"
    assert answer["content"] == "local answer"  # streamed as it came: no confidence probe
    assert (answer["model"], answer["provider"]) == (LOCAL_MODEL, "ollama")
    assert answer["params"]["no_cloud"] is True
    assert turn["user_message"]["content"] == "my secret notes #no_cloud please"  # stored as typed
    sent = local_provider.requests[-1].json
    assert "#no_cloud" not in str(sent)
    assert sent["messages"][-1]["content"] == "my secret notes please"
    assert "logprobs" not in sent  # pinned to the local model: nothing to escalate to, no probe

    # The tagged message is in the history of every later turn on the branch: those stay local too.
    later = wait_final(chat, send(chat, cid, "and another thing")["assistant_message"]["id"])
    assert later["model"] == LOCAL_MODEL
    assert "#no_cloud" not in str(local_provider.requests[-1].json)
    refused = chat.post(f"/api/messages/{later['id']}/regenerate", json={"model": OPENAI_BIG})
    assert refused.status_code == 400
    assert fake_provider.requests == []


def test_local_first_in_chat_keeps_a_confident_local_answer(
    chat: httpx.Client, fake_provider: FakeProvider, local_provider: FakeProvider
) -> None:
    local_provider.enqueue(Behaviour(json_answer={"answer": "Paris.", "confidence": 0.95}))
    cid = _conversation(chat, "auto")

    answer = wait_final(chat, send(chat, cid, "Capital of France?")["assistant_message"]["id"])

    assert answer["content"] == "Paris."  # the probe's answer, as one chunk
    assert answer["model"] == LOCAL_MODEL
    assert fake_provider.requests == []
    assert [a["outcome"] for a in answer["params"]["attempts"]] == ["ok"]


def test_local_first_in_chat_escalates_a_low_confidence_answer(
    chat: httpx.Client, fake_provider: FakeProvider, local_provider: FakeProvider
) -> None:
    local_provider.enqueue(Behaviour(json_answer={"answer": "Lyon?", "confidence": 0.3}))
    fake_provider.enqueue(Behaviour(chunks=["Paris", " is the capital."]), model=OPENAI_BIG)
    cid = _conversation(chat, "auto")

    answer = wait_final(chat, send(chat, cid, "Capital of France?")["assistant_message"]["id"])

    assert answer["content"] == "Paris is the capital."
    assert answer["model"] == OPENAI_BIG
    outcomes = [(a["model"], a["outcome"]) for a in answer["params"]["attempts"]]
    assert outcomes == [(LOCAL_MODEL, "low_confidence"), (OPENAI_BIG, "ok")]


def test_an_error_after_the_first_token_ends_the_message_with_its_partial_text(
    chat: httpx.Client, fake_provider: FakeProvider
) -> None:
    fake_provider.enqueue(
        Behaviour(chunks=["partial ", "answer ", "lost"], error_after=2), model=OPENAI_MODEL
    )
    cid = _conversation(chat, "chain")

    answer = wait_final(chat, send(chat, cid, "Hello")["assistant_message"]["id"])

    assert answer["status"] == "error"
    assert answer["content"] == "partial answer "
    assert answer["model"] == OPENAI_MODEL
    assert _model_calls(fake_provider) == [OPENAI_MODEL]  # no fallback that would repeat the text


def test_continue_follows_the_route(chat: httpx.Client, fake_provider: FakeProvider) -> None:
    fake_provider.enqueue(
        Behaviour(chunks=["partial ", "answer ", "lost"], error_after=1), model=OPENAI_MODEL
    )
    cid = _conversation(chat, "chain")
    failed = wait_final(chat, send(chat, cid, "Hello")["assistant_message"]["id"])
    assert failed["status"] == "error"
    fake_provider.enqueue(Behaviour(status=500), model=OPENAI_MODEL)
    fake_provider.enqueue(Behaviour(chunks=["the rest"]), model=ANTHROPIC_MODEL)

    response = chat.post(f"/api/messages/{failed['id']}/continue")
    assert response.status_code == 202, response.text
    answer = wait_final(chat, failed["id"])

    assert answer["status"] == "complete"
    assert answer["content"] == "partial the rest"
    assert answer["model"] == ANTHROPIC_MODEL


def test_api_models_lists_the_route_aliases(chat: httpx.Client) -> None:
    body = chat.get("/api/models").json()
    models = {m["id"]: m for m in body["models"]}

    assert {"chain", "auto", "cloud-only", OPENAI_MODEL, LOCAL_MODEL} <= set(models)
    assert {m["id"] for m in body["models"][:3]} == {"chain", "auto", "cloud-only"}  # aliases first
    auto = models["auto"]
    assert (auto["provider"], auto["model"]) == ("llm-router", f"{LOCAL_MODEL} → {OPENAI_BIG}")
    assert auto["is_local"] is False
    assert auto["price"] is None  # it depends on which model answers
    routes = {r["id"]: r for r in body["routes"]}
    assert routes["auto"] == {
        "id": "auto",
        "strategy": "local_first",
        "models": [OPENAI_BIG],
        "local": LOCAL_MODEL,
        "description": "",
    }
    assert routes["chain"]["models"] == [OPENAI_MODEL, ANTHROPIC_MODEL]
