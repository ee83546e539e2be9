"""Codex CLI (``codex exec``) through ``/v1/responses``: a turn with one shell function-call round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llm_router.testing.fake_provider import FakeProvider
from llm_router.testing.script import Behaviour, FakeToolCall
from tests.clients.conftest import Clients, client_env, run_client
from tests.support.v1 import ANTHROPIC_MODEL, OPENAI_MODEL, V1App

pytestmark = pytest.mark.clients


def _codex_home(tmp_path: Path, url: str, model: str) -> Path:
    home = tmp_path / "codex-home"
    home.mkdir()
    (home / "config.toml").write_text(
        f'model = "{model}"\n'
        'model_provider = "router"\n'
        'approval_policy = "never"\n'
        'sandbox_mode = "danger-full-access"\n'
        "check_for_update_on_startup = false\n"
        "[analytics]\nenabled = false\n"
        # the curated plugin marketplace is synced from github.com at start-up: off, to stay on 127.0.0.1
        "[features]\nplugins = false\nremote_plugin = false\napps = false\n"
        "[model_providers.router]\n"
        'name = "llm-router"\n'
        f'base_url = "{url}/v1"\n'
        'env_key = "LLM_ROUTER_TOKEN"\n'
        'wire_api = "responses"\n'
        "request_max_retries = 0\n"
        "stream_max_retries = 0\n"
    )
    return home


@pytest.mark.parametrize("model", [OPENAI_MODEL, ANTHROPIC_MODEL])
def test_codex_exec_runs_a_shell_command_and_answers(
    clients: Clients, v1_app: V1App, fake_provider: FakeProvider, tmp_path: Path, model: str
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "marker.txt").write_text("router-ok-7431\n")
    command = json.dumps({"cmd": "cat marker.txt"})
    fake_provider.enqueue(
        Behaviour(chunks=["Reading it."], tool_calls=[FakeToolCall("exec_command", command)])
    )
    fake_provider.enqueue(Behaviour(chunks=["The marker says ", "router-ok-7431."]))
    home = _codex_home(tmp_path, v1_app.url, model)
    env = client_env(tmp_path, CODEX_HOME=str(home), LLM_ROUTER_TOKEN="no-token-needed")

    done = run_client(
        [str(clients.codex), "exec", "--skip-git-repo-check", "--json", "what does marker.txt say?"],
        env,
        work,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    items = [e["item"] for e in events if e["type"] == "item.completed"]
    [command_run] = [i for i in items if i["type"] == "command_execution"]
    assert "cat marker.txt" in command_run["command"]
    assert command_run["exit_code"] == 0
    assert command_run["aggregated_output"].strip() == "router-ok-7431"
    assert [i["text"] for i in items if i["type"] == "agent_message"][-1] == "The marker says router-ok-7431."
    assert events[-1]["type"] == "turn.completed"

    first, second = fake_provider.requests  # one upstream call per model turn, nothing else
    assert {first.path, second.path} == {"/v1/chat/completions" if model == OPENAI_MODEL else "/v1/messages"}
    last = second.json["messages"][-1]
    if model == OPENAI_MODEL:
        assert last["role"] == "tool"
        assert "router-ok-7431" in last["content"]
        assert second.json["messages"][-2]["tool_calls"][0]["function"]["name"] == "exec_command"
    else:
        [result] = [b for b in last["content"] if b["type"] == "tool_result"]
        assert "router-ok-7431" in json.dumps(result["content"])
        assert second.json["messages"][-2]["content"][-1]["name"] == "exec_command"
    rows = v1_app.wait_logs(2)
    assert {(r["model"], r["status"]) for r in rows} == {(model, "ok")}
