"""Routing policies through ``/v1`` with the official SDKs: fallback chains, local-first with the
confidence probe, ``#no_cloud`` and the response cache. Two fake servers: "cloud" and "local"."""

from __future__ import annotations

import openai
import pytest

from llm_router.testing.fake_provider import FakeProvider
from llm_router.testing.script import Behaviour, FakeUsage
from tests.support.v1 import ANTHROPIC_MODEL, LOCAL_MODEL, OPENAI_BIG, OPENAI_MODEL, V1App

ROUTES = {
    "confidence_threshold": 0.7,
    "routes": {
        "chain": {"models": [OPENAI_MODEL, ANTHROPIC_MODEL]},
        "auto": {"local": LOCAL_MODEL, "models": [OPENAI_BIG]},
        "cloud-only": {"models": [OPENAI_MODEL]},
        "cached": {"models": [OPENAI_MODEL], "cache": {"ttl_seconds": 600}},
    },
}
USER = [{"role": "user", "content": "What is the capital of France?"}]


@pytest.fixture
def v1_overrides() -> dict[str, object]:
    return {"routes": ROUTES}


@pytest.mark.parametrize("status", [429, 500])
def test_fallback_to_the_next_model_is_answered_and_recorded(
    v1_app: V1App, fake_provider: FakeProvider, status: int
) -> None:
    fake_provider.set_default(Behaviour(status=status, retry_after=0.01))  # the first model always fails
    fake_provider.enqueue(Behaviour(chunks=["from ", "claude"]), model=ANTHROPIC_MODEL)

    raw = v1_app.openai().chat.completions.with_raw_response.create(model="chain", messages=USER)
    completion = raw.parse()

    assert completion.choices[0].message.content == "from claude"
    assert completion.model == ANTHROPIC_MODEL
    assert raw.headers["x-llm-router-route"] == f"chain -> {ANTHROPIC_MODEL}"
    [row] = v1_app.wait_logs(1)
    assert row["route"] == "chain"
    assert row["requested_model"] == "chain"
    assert row["model"] == ANTHROPIC_MODEL
    outcomes = [(a["model"], a["outcome"]) for a in row["attempts"]]
    kind = "rate_limit" if status == 429 else "upstream_error"
    assert outcomes == [(OPENAI_MODEL, kind), (ANTHROPIC_MODEL, "ok")]


def test_local_first_keeps_a_confident_local_answer_and_records_the_saving(
    v1_app: V1App, fake_provider: FakeProvider, local_provider: FakeProvider
) -> None:
    local_provider.enqueue(
        Behaviour(json_answer={"answer": "Paris.", "confidence": 0.95}, usage=FakeUsage(2000, 300))
    )

    completion = v1_app.openai().chat.completions.create(model="auto", messages=USER)

    assert completion.choices[0].message.content == "Paris."
    assert completion.model == LOCAL_MODEL
    assert fake_provider.requests == []  # the cloud was never asked
    assert local_provider.requests[-1].json.get("logprobs") is True  # token logprobs were asked for
    [row] = v1_app.wait_logs(1)
    assert row["route"] == "auto"
    assert row["model"] == LOCAL_MODEL
    assert row["confidence"] == pytest.approx(0.95)
    assert row["cost"] == 0.0
    assert row["saving"] > 0  # what gpt-4o would have cost for the same 2000 + 300 tokens


def test_local_first_escalates_a_low_confidence_answer_to_the_cloud(
    v1_app: V1App, fake_provider: FakeProvider, local_provider: FakeProvider
) -> None:
    local_provider.enqueue(Behaviour(json_answer={"answer": "Lyon?", "confidence": 0.3}))
    fake_provider.enqueue(Behaviour(chunks=["Paris", " is the capital."]), model=OPENAI_BIG)

    stream = v1_app.openai().chat.completions.create(model="auto", messages=USER, stream=True)
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)

    assert text == "Paris is the capital."
    [row] = v1_app.wait_logs(1)
    assert row["model"] == OPENAI_BIG
    assert row["confidence"] == pytest.approx(0.3)
    assert [(a["model"], a["outcome"]) for a in row["attempts"]] == [
        (LOCAL_MODEL, "low_confidence"),
        (OPENAI_BIG, "ok"),
    ]
    assert row["saving"] == 0.0  # the local probe cost nothing, nothing was saved either
    assert row["cost"] > 0


def test_token_logprobs_overrule_a_confident_claim(
    v1_app: V1App, fake_provider: FakeProvider, local_provider: FakeProvider
) -> None:
    # the model claims 0.9, but its tokens average e^-2 ≈ 0.14: it was guessing
    local_provider.enqueue(Behaviour(json_answer={"answer": "Lyon", "confidence": 0.9}, logprobs=[-2.0]))
    fake_provider.enqueue(Behaviour(chunks=["Paris"]), model=OPENAI_BIG)

    completion = v1_app.openai().chat.completions.create(model="auto", messages=USER)

    assert completion.model == OPENAI_BIG
    [row] = v1_app.wait_logs(1)
    assert row["confidence"] == pytest.approx(0.1353, abs=1e-3)


def test_no_cloud_pins_to_the_local_model_and_strips_the_tag(
    v1_app: V1App, fake_provider: FakeProvider, local_provider: FakeProvider
) -> None:
    local_provider.enqueue(Behaviour(chunks=["local ", "answer"]))

    completion = v1_app.openai().chat.completions.create(
        model="auto", messages=[{"role": "user", "content": "my secret notes #no_cloud please"}]
    )

    assert completion.choices[0].message.content == "local answer"
    assert completion.model == LOCAL_MODEL
    assert fake_provider.requests == []
    sent = local_provider.requests[-1].json["messages"]
    assert "#no_cloud" not in str(sent)
    assert sent[-1]["content"] == "my secret notes please"


def test_no_cloud_without_a_local_model_is_a_clear_refusal(
    v1_app: V1App, fake_provider: FakeProvider
) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        v1_app.openai().chat.completions.create(
            model="cloud-only", messages=[{"role": "user", "content": "#no_cloud hello"}]
        )
    assert refused.value.response.headers["x-should-retry"] == "false"
    assert "#no_cloud" in refused.value.message
    assert fake_provider.requests == []


def test_an_identical_temperature_zero_request_is_a_cache_hit(
    v1_app: V1App, fake_provider: FakeProvider
) -> None:
    fake_provider.enqueue(Behaviour(chunks=["cached ", "answer"], usage=FakeUsage(100, 20)))
    client = v1_app.openai()

    first = client.chat.completions.with_raw_response.create(model="cached", messages=USER, temperature=0)
    second = client.chat.completions.with_raw_response.create(model="cached", messages=USER, temperature=0)

    assert "x-llm-router-cache" not in first.headers
    assert second.headers["x-llm-router-cache"] == "hit"
    assert second.parse().choices[0].message.content == "cached answer"
    assert len(fake_provider.requests) == 1  # the second never reached the upstream
    rows = v1_app.wait_logs(2)
    hit = next(r for r in rows if r["cache_hit"])
    miss = next(r for r in rows if not r["cache_hit"])
    assert hit["cost"] == 0.0
    assert hit["saving"] == pytest.approx(miss["cost"])
    assert v1_app.logs(cache_hit="true")[0]["id"] == hit["id"]


def test_sampling_requests_are_not_cached(v1_app: V1App, fake_provider: FakeProvider) -> None:
    client = v1_app.openai()
    client.chat.completions.create(model="cached", messages=USER, temperature=0.8)
    client.chat.completions.create(model="cached", messages=USER, temperature=0.8)
    client.chat.completions.create(model="cached", messages=USER)  # provider default: samples too
    assert len(fake_provider.requests) == 3


def test_models_lists_route_aliases(v1_app: V1App) -> None:
    ids = [m.id for m in v1_app.openai().models.list()]
    assert {"chain", "auto", "cloud-only", "cached"} <= set(ids)
    assert LOCAL_MODEL in ids


def _model_calls(fake: FakeProvider) -> list[str | None]:
    """The models asked, in order (the catalog's ``/models`` requests left out)."""
    return [r.model for r in fake.requests if not r.path.endswith("/models")]


def test_a_rate_limited_model_in_a_chain_is_not_retried_before_the_fallback(
    v1_app: V1App, fake_provider: FakeProvider
) -> None:
    # Without per-call retries the SDK would wait the 30 s and ask the same model again (twice).
    fake_provider.enqueue(Behaviour(status=429, retry_after=30), model=OPENAI_MODEL)
    fake_provider.enqueue(Behaviour(chunks=["from ", "claude"]), model=ANTHROPIC_MODEL)

    completion = v1_app.openai().chat.completions.create(model="chain", messages=USER)

    assert completion.choices[0].message.content == "from claude"
    assert _model_calls(fake_provider) == [OPENAI_MODEL, ANTHROPIC_MODEL]
    [row] = v1_app.wait_logs(1)
    assert [(a["model"], a["outcome"]) for a in row["attempts"]] == [
        (OPENAI_MODEL, "rate_limit"),
        (ANTHROPIC_MODEL, "ok"),
    ]


def test_the_last_model_of_a_chain_keeps_its_retries(v1_app: V1App, fake_provider: FakeProvider) -> None:
    fake_provider.enqueue(Behaviour(status=500), model=OPENAI_MODEL)
    fake_provider.enqueue(Behaviour(status=429, retry_after=0.01), model=ANTHROPIC_MODEL)
    fake_provider.enqueue(Behaviour(chunks=["second ", "try"]), model=ANTHROPIC_MODEL)

    completion = v1_app.openai().chat.completions.create(model="chain", messages=USER)

    assert completion.choices[0].message.content == "second try"
    assert _model_calls(fake_provider) == [OPENAI_MODEL, ANTHROPIC_MODEL, ANTHROPIC_MODEL]
