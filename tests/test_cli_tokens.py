"""``llm-router token create|list`` as a user runs it: the printed token opens ``/v1``."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.server import ServerProcess
from tests.test_cli import run_cli


def test_created_token_authenticates_v1_and_is_listed(tmp_path: Path) -> None:
    env = {"LLM_ROUTER_DATA_DIR": str(tmp_path / "data"), "LLM_ROUTER_AUTH": "password"}
    created = run_cli("token", "create", "--user", "admin", "--name", "script", env=env, cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    listed = run_cli("token", "list", "--user", "admin", env=env, cwd=tmp_path)
    assert "script" in listed.stdout
    assert token not in listed.stdout  # only a prefix is ever shown again
    server = ServerProcess(env, tmp_path).start()
    try:
        ok = httpx.get(f"{server.url}/v1/models", headers={"Authorization": f"Bearer {token}"})
        wrong = httpx.get(f"{server.url}/v1/models", headers={"Authorization": "Bearer llmr-wrong"})
    finally:
        server.terminate()
    assert ok.status_code == 200
    assert wrong.status_code == 401


def test_unknown_user_is_one_clear_line(tmp_path: Path) -> None:
    result = run_cli(
        "token", "create", "--user", "nobody", env={"LLM_ROUTER_DATA_DIR": str(tmp_path)}, cwd=tmp_path
    )
    assert result.returncode == 1
    assert result.stderr.strip() == "llm-router: error: no user named 'nobody'"
