"""Must-hold 4 of issue #20 (first half): the local-first probe is bounded and works with small local
models. It asks for at most ``PROBE_MAX_TOKENS`` tokens and an answer cut there escalates; it gives up
after ``PROBE_SECONDS``; a plain (non-JSON) answer is judged by its token logprobs: a confident one is
kept, an unconfident one escalates."""

from __future__ import annotations

import pytest

from llm_router.services.routing import local_first
from llm_router.testing.fake_provider import FakeProvider
from llm_router.testing.script import Behaviour
from tests.support.v1 import LOCAL_MODEL, OPENAI_BIG, V1App

ROUTES = {"confidence_threshold": 0.7, "routes": {"auto": {"local": LOCAL_MODEL, "models": [OPENAI_BIG]}}}
USER = [{"role": "user", "content": "What is the capital of France?"}]


@pytest.fixture
def v1_overrides() -> dict[str, object]:
    return {"routes": ROUTES}


def outcomes(row: dict[str, object]) -> list[tuple[str, str]]:
    return [(a["model"], a["outcome"]) for a in row["attempts"]]  # type: ignore[attr-defined]


def test_the_probe_asks_for_at_most_its_cap_and_a_cut_answer_escalates(
    v1_app: V1App, fake_provider: FakeProvider, local_provider: FakeProvider
) -> None:
    local_provider.enqueue(
        Behaviour(json_answer={"answer": "Paris, and", "confidence": 0.99}, finish="length")
    )
    fake_provider.enqueue(Behaviour(chunks=["Paris."]), model=OPENAI_BIG)
    completion = v1_app.openai().chat.completions.create(model="auto", messages=USER, max_tokens=5000)
    assert completion.choices[0].message.content == "Paris."
    assert local_provider.requests[-1].json["max_tokens"] == local_first.PROBE_MAX_TOKENS
    [row] = v1_app.wait_logs(1)
    assert outcomes(row) == [(LOCAL_MODEL, "low_confidence"), (OPENAI_BIG, "ok")]
    assert row["confidence"] == 0.0


def test_a_probe_past_its_time_limit_escalates(
    v1_app: V1App,
    fake_provider: FakeProvider,
    local_provider: FakeProvider,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(local_first, "PROBE_SECONDS", 0.5)
    local_provider.enqueue(Behaviour(chunks=['{"answer": ', '"Paris"}'], pause_after=1))
    fake_provider.enqueue(Behaviour(chunks=["Paris."]), model=OPENAI_BIG)
    try:
        completion = v1_app.openai().chat.completions.create(model="auto", messages=USER)
    finally:
        local_provider.release()
    assert completion.choices[0].message.content == "Paris."
    [row] = v1_app.wait_logs(1)
    assert outcomes(row) == [(LOCAL_MODEL, "timeout"), (OPENAI_BIG, "ok")]


@pytest.mark.parametrize(
    ("logprob", "kept"),
    [(-0.02, True), (-2.0, False)],  # e^-0.02 ≈ 0.98 confident; e^-2 ≈ 0.14 guessing
)
def test_a_plain_answer_is_judged_by_its_logprobs(
    v1_app: V1App, fake_provider: FakeProvider, local_provider: FakeProvider, logprob: float, kept: bool
) -> None:
    # a small local model ignores the JSON instruction and just answers
    local_provider.enqueue(Behaviour(chunks=["Paris ", "is the capital."], logprobs=[logprob, logprob]))
    fake_provider.enqueue(Behaviour(chunks=["Cloud: Paris."]), model=OPENAI_BIG)
    completion = v1_app.openai().chat.completions.create(model="auto", messages=USER)
    [row] = v1_app.wait_logs(1)
    if kept:
        assert completion.choices[0].message.content == "Paris is the capital."
        assert completion.model == LOCAL_MODEL
        assert fake_provider.requests == []
    else:
        assert completion.choices[0].message.content == "Cloud: Paris."
        assert outcomes(row) == [(LOCAL_MODEL, "low_confidence"), (OPENAI_BIG, "ok")]
    assert row["confidence"] == pytest.approx(2.718281828**logprob, abs=1e-3)
