"""The rest of the gateway, with the official SDKs: embeddings, legacy completions, one model, token
counts, preflight ``HEAD`` requests and unknown paths (404 in the caller's shape)."""

from __future__ import annotations

import anthropic
import httpx
import openai
import pytest

from llm_router.testing.fake_provider import FakeProvider
from llm_router.testing.script import Behaviour
from tests.support.v1 import ANTHROPIC_MODEL, OPENAI_MODEL, V1App

sqlite_only = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # nothing here is SQL
EMBEDDER = "openai/text-embedding-3-small"


@sqlite_only
def test_embeddings_are_routed_and_recorded(v1_app: V1App, fake_provider: FakeProvider) -> None:
    result = v1_app.openai().embeddings.create(model=EMBEDDER, input=["hello world", "second text"])

    assert [len(item.embedding) for item in result.data] == [8, 8]
    assert result.usage.prompt_tokens > 0
    sent = fake_provider.requests[-1]
    assert (sent.path, sent.json["model"]) == ("/v1/embeddings", "text-embedding-3-small")
    [row] = v1_app.wait_logs(1)
    assert (row["source"], row["tokens_in"]) == ("openai", result.usage.prompt_tokens)
    assert row["cost"] is not None
    assert row["cost"] > 0


@sqlite_only
def test_embeddings_on_an_anthropic_model_are_refused_in_openai_shape(v1_app: V1App) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        v1_app.openai().embeddings.create(model=ANTHROPIC_MODEL, input="x")
    assert "served only by openai-protocol providers" in caught.value.message


@sqlite_only
def test_legacy_completions_pass_through(v1_app: V1App, fake_provider: FakeProvider) -> None:
    client = v1_app.openai()
    fake_provider.enqueue(Behaviour(chunks=["Once", " upon"]), model=OPENAI_MODEL)
    whole = client.completions.create(model=OPENAI_MODEL, prompt="Tell", max_tokens=5)
    fake_provider.enqueue(Behaviour(chunks=["a", "b", "c"]), model=OPENAI_MODEL)
    pieces = [
        c.choices[0].text for c in client.completions.create(model=OPENAI_MODEL, prompt="x", stream=True)
    ]

    assert whole.choices[0].text == "Once upon"
    assert "".join(pieces) == "abc"
    assert fake_provider.requests[0].json == {"model": OPENAI_MODEL, "prompt": "Tell", "max_tokens": 5}
    rows = v1_app.wait_logs(2)
    assert all(row["tokens_out"] > 0 for row in rows)  # the stream's usage was asked for on the side


@sqlite_only
def test_models_retrieve_in_both_shapes(v1_app: V1App) -> None:
    assert v1_app.openai().models.retrieve(OPENAI_MODEL).id == OPENAI_MODEL
    assert v1_app.openai().models.retrieve("ollama/llama3.2").owned_by == "ollama"
    info = v1_app.anthropic().models.retrieve(ANTHROPIC_MODEL)
    assert (info.id, info.type) == (ANTHROPIC_MODEL, "model")
    with pytest.raises(anthropic.NotFoundError):
        v1_app.anthropic().models.retrieve("no-such-model")
    with pytest.raises(openai.NotFoundError):
        v1_app.openai().models.retrieve("no-such-model")


@sqlite_only
def test_count_tokens_asks_anthropic_and_estimates_elsewhere(
    v1_app: V1App, fake_provider: FakeProvider
) -> None:
    client = v1_app.anthropic()
    messages: list[anthropic.types.MessageParam] = [{"role": "user", "content": "count these words please"}]

    upstream = client.messages.with_raw_response.count_tokens(
        model=ANTHROPIC_MODEL, system="sys", messages=messages
    )
    estimated = client.messages.with_raw_response.count_tokens(model=OPENAI_MODEL, messages=messages)

    assert upstream.headers["x-llm-router-token-count"] == "upstream"
    assert upstream.parse().input_tokens > 0
    assert fake_provider.requests[-1].path == "/v1/messages/count_tokens"
    assert estimated.headers["x-llm-router-token-count"] == "estimate"
    assert estimated.parse().input_tokens == 6  # 24 characters / 4
    assert len(fake_provider.requests) == 1  # the estimate asked nobody
    rows = v1_app.wait_logs(2)  # counted in the log, billed as nothing
    assert {(r["route"], r["cost"], r["tokens_in"], r["usage_estimated"]) for r in rows} == {
        ("count_tokens", 0.0, 0, False),
        ("count_tokens", 0.0, 0, True),
    }
    assert {r["attempts"][0]["counted_tokens"] for r in rows} == {6, upstream.parse().input_tokens}


@sqlite_only
def test_preflight_and_unknown_paths(v1_app: V1App) -> None:
    assert httpx.head(f"{v1_app.url}/").status_code == 200
    assert httpx.head(f"{v1_app.url}/v1").status_code == 200

    unknown = httpx.post(f"{v1_app.url}/v1/nothing-here", json={})
    assert unknown.status_code == 404
    assert unknown.json()["error"]["type"] == "invalid_request_error"  # OpenAI's shape

    doubled = httpx.post(f"{v1_app.url}/v1/v1/messages", json={}, headers={"anthropic-version": "2023-06-01"})
    assert doubled.status_code == 404
    error = doubled.json()
    assert (error["type"], error["error"]["type"]) == ("error", "not_found_error")  # Anthropic's shape
    assert "base URL should be" in error["error"]["message"]
    assert "(without /v1)" in error["error"]["message"]


@sqlite_only
def test_no_cloud_holds_for_embeddings_and_completions(
    v1_app: V1App, fake_provider: FakeProvider, local_provider: FakeProvider
) -> None:
    client = v1_app.openai()
    with pytest.raises(openai.BadRequestError) as refused:
        client.embeddings.create(model=EMBEDDER, input="my diary #no_cloud")
    assert refused.value.code == "policy_refusal"
    with pytest.raises(openai.BadRequestError):
        client.completions.create(model=OPENAI_MODEL, prompt="my diary #no_cloud", max_tokens=5)
    assert fake_provider.requests == []  # nothing reached the cloud

    result = client.embeddings.create(model="ollama/nomic-embed-text", input="my diary #no_cloud")
    assert len(result.data) == 1
    sent = local_provider.requests[-1]
    assert sent.path == "/v1/embeddings"
    assert "#no_cloud" not in str(sent.json)
