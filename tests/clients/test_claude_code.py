"""Claude Code (``claude -p``) through ``/v1/messages``: a Bash tool loop against an Anthropic upstream,
and a turn with ``ANTHROPIC_MODEL`` set to a route alias that resolves to an OpenAI-protocol model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from llm_router.testing.fake_provider import FakeProvider
from llm_router.testing.script import Behaviour, FakeToolCall
from tests.clients.conftest import Clients, client_env, run_client
from tests.support.v1 import ANTHROPIC_MODEL, OPENAI_BIG, OPENAI_MODEL, V1App

pytestmark = pytest.mark.clients


@pytest.fixture
def v1_overrides() -> dict[str, object]:
    return {"routes": {"routes": {"smart": {"models": [OPENAI_MODEL]}}}}


def _claude(clients: Clients, tmp_path: Path, url: str, model: str, prompt: str) -> dict[str, Any]:
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    (work / "marker.txt").write_text("router-ok-5512\n")
    env = client_env(
        tmp_path,
        ANTHROPIC_BASE_URL=url,
        ANTHROPIC_API_KEY="no-token-needed",
        ANTHROPIC_MODEL=model,
        # background calls (titles, summaries) go to another model, so the scripted answers stay in order
        ANTHROPIC_SMALL_FAST_MODEL=OPENAI_BIG,
        ANTHROPIC_DEFAULT_HAIKU_MODEL=OPENAI_BIG,
        DISABLE_TELEMETRY="1",
        DISABLE_AUTOUPDATER="1",
        DISABLE_ERROR_REPORTING="1",
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1",
    )
    args = [str(clients.claude), "-p", "--output-format", "json", "--allowedTools", "Bash", "--", prompt]
    done = run_client(args, env, work)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_claude_code_bash_tool_loop_through_an_anthropic_upstream(
    clients: Clients, v1_app: V1App, fake_provider: FakeProvider, tmp_path: Path
) -> None:
    command = json.dumps({"command": "cat marker.txt", "description": "Read the marker"})
    # Claude Code turns thinking on, and a model thinking first is what the real API answers then
    turn_1 = Behaviour(
        reasoning_chunks=["The file ", "holds it."],
        chunks=["Reading it."],
        tool_calls=[FakeToolCall("Bash", command)],
    )
    fake_provider.enqueue(turn_1, model=ANTHROPIC_MODEL)
    fake_provider.enqueue(Behaviour(chunks=["The marker says ", "router-ok-5512."]), model=ANTHROPIC_MODEL)

    result = _claude(clients, tmp_path, v1_app.url, ANTHROPIC_MODEL, "what does marker.txt say?")

    assert (result["subtype"], result["is_error"]) == ("success", False)
    assert result["result"] == "The marker says router-ok-5512."
    assert result["num_turns"] == 2
    main = [r for r in fake_provider.requests if r.model == ANTHROPIC_MODEL]
    assert [r.path for r in main] == ["/v1/messages", "/v1/messages"]
    [tool_result] = [b for b in main[1].json["messages"][-1]["content"] if b["type"] == "tool_result"]
    assert "router-ok-5512" in json.dumps(tool_result["content"])


def test_claude_code_bash_tool_loop_with_thinking_keeps_signatures(
    clients: Clients, v1_app: V1App, fake_provider: FakeProvider, tmp_path: Path
) -> None:
    command = json.dumps({"command": "cat marker.txt", "description": "Read the marker"})
    turn_1 = Behaviour(
        reasoning_chunks=["I should ", "read the file."], tool_calls=[FakeToolCall("Bash", command)]
    )
    fake_provider.enqueue(turn_1, model=ANTHROPIC_MODEL)
    fake_provider.enqueue(Behaviour(chunks=["router-ok-5512."]), model=ANTHROPIC_MODEL)

    result = _claude(clients, tmp_path, v1_app.url, ANTHROPIC_MODEL, "what does marker.txt say?")

    assert result["result"] == "router-ok-5512."
    first, second = [r for r in fake_provider.requests if r.model == ANTHROPIC_MODEL]
    assert first.json["thinking"]["type"] in ("enabled", "adaptive")
    replayed = second.json["messages"][1]["content"]
    assert replayed[0]["type"] == "thinking"
    assert replayed[0]["signature"]  # the upstream's own signature, sent back unchanged
    assert replayed[-1]["type"] == "tool_use"


def test_claude_code_turn_with_a_route_alias_to_an_openai_model(
    clients: Clients, v1_app: V1App, fake_provider: FakeProvider, tmp_path: Path
) -> None:
    """Claude Code puts ``{"role": "system"}`` messages inside ``messages`` for non-Claude model names;
    they are accepted and joined to the system prompt."""
    fake_provider.enqueue(Behaviour(chunks=["Hello ", "from the alias."]), model=OPENAI_MODEL)

    result = _claude(clients, tmp_path, v1_app.url, "smart", "say hello")

    assert (result["subtype"], result["is_error"]) == ("success", False)
    assert result["result"] == "Hello from the alias."
    [main] = [r for r in fake_provider.requests if r.model == OPENAI_MODEL]
    assert main.path == "/v1/chat/completions"
