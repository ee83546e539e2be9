"""Routing pieces on their own: the routes file, the ``#no_cloud`` tag, the confidence probe, the cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from llm_router.core.errors import StartupError
from llm_router.providers.base import (
    ChatMessage,
    ChatRequest,
    ChatResult,
    Finish,
    ImagePart,
    TextDelta,
    TextPart,
)
from llm_router.services.routing.cache import CachedAnswer, ResponseCache, cache_key
from llm_router.services.routing.config import load_routes
from llm_router.services.routing.local_first import judge, probe_request
from llm_router.services.routing.router import strip_no_cloud


def test_routes_load_from_yaml_and_toml(tmp_path: Path) -> None:
    yaml_file = tmp_path / "routes.yaml"
    yaml_file.write_text("routes:\n  fast: {models: [gpt-4o-mini, claude-haiku-4-5]}\n")
    toml_file = tmp_path / "routes.toml"
    toml_file.write_text(
        'confidence_threshold = 0.5\n[routes.auto]\nlocal = "ollama/llama3.2"\nmodels = ["gpt-4o"]\n'
        "[routes.auto.cache]\nttl_seconds = 60\n"
    )
    assert load_routes(yaml_file).routes["fast"].models == ["gpt-4o-mini", "claude-haiku-4-5"]
    config = load_routes(toml_file)
    auto = config.routes["auto"]
    assert (auto.strategy, auto.local, config.threshold_for(auto)) == ("local_first", "ollama/llama3.2", 0.5)
    assert auto.cache is not None
    assert auto.cache.ttl_seconds == 60
    assert load_routes(None).confidence_threshold == 0.7


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("routes:\n  broken: {}\n", "routes.broken"),
        ("routes:\n  x: {models: [a], typo: 1}\n", "typo"),
        ("routes: [unclosed\n", "not valid YAML/TOML"),
    ],
)
def test_a_bad_routes_file_stops_start_up_with_one_line(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "routes.yaml"
    path.write_text(text)
    with pytest.raises(StartupError) as caught:
        load_routes(path)
    assert "LLM_ROUTER_ROUTES" in str(caught.value)
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


def test_no_cloud_tag_is_found_anywhere_and_stripped() -> None:
    request = ChatRequest(
        model="auto",
        system="notes",
        messages=(
            ChatMessage("user", [TextPart("look #no_cloud at"), ImagePart("data:image/png;base64,AA")]),
            ChatMessage("assistant", "ok"),
        ),
    )
    clean, found = strip_no_cloud(request)
    assert found
    assert clean.messages[0].content == [TextPart("look at"), ImagePart("data:image/png;base64,AA")]
    untouched, found = strip_no_cloud(ChatRequest(model="x", messages=(ChatMessage("user", "hi"),)))
    assert not found
    assert untouched.messages[0].content == "hi"


def _result(text: str, logprobs: list[float] | None = None) -> ChatResult:
    return ChatResult(text=text, finish=Finish("stop", logprobs=logprobs))


def test_the_probe_judges_stated_confidence_and_logprobs() -> None:
    assert judge(_result('{"answer": "Paris", "confidence": 0.92}')).confidence == 0.92
    assert judge(_result('Sure! {"answer": "Paris", "confidence": 1.5}')).confidence == 1.0
    assert judge(_result("Paris, I think")).confidence == 0.0  # not the asked-for JSON: escalate
    assert judge(_result('{"answer": "Paris", "confidence": true}')).confidence == 0.0
    low = judge(_result('{"answer": "Lyon", "confidence": 0.9}', logprobs=[-1.0, -3.0]))
    assert low.confidence == pytest.approx(0.1353, abs=1e-3)
    assert low.answer == "Lyon"
    probe = probe_request(ChatRequest(model="auto", messages=(), system="be brief"), "llama3.2")
    assert probe.logprobs
    assert probe.model == "llama3.2"
    assert probe.system is not None
    assert probe.system.startswith("be brief")
    assert '"confidence"' in probe.system


def test_cache_key_covers_model_messages_and_parameters() -> None:
    base = ChatRequest(model="x", messages=(ChatMessage("user", "hi"),), temperature=0)
    assert cache_key("cached", base) == cache_key("cached", base)
    assert cache_key("cached", base) != cache_key("other", base)
    assert cache_key("cached", base) != cache_key(
        "cached", ChatRequest(model="x", messages=(ChatMessage("user", "ho"),))
    )
    assert cache_key("cached", base) != cache_key(
        "cached", ChatRequest(model="x", messages=base.messages, temperature=0, max_tokens=5)
    )


def test_cache_entries_expire_and_stay_bounded() -> None:
    now = [0.0]
    cache = ResponseCache(max_entries=2, clock=lambda: now[0])
    answer = CachedAnswer("m", "p", (TextDelta("hi"),), 0.01)
    cache.put("a", answer, ttl_seconds=10)
    assert cache.get("a") == answer
    now[0] = 11
    assert cache.get("a") is None
    for key in ("b", "c", "d"):
        cache.put(key, answer, ttl_seconds=10)
    assert cache.get("b") is None
    assert cache.get("d") == answer
