"""The ``llm-router`` command as a user runs it: real subprocesses."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from llm_router import __version__
from tests.support.server import ServerProcess


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "llm_router", *args],
        env={**os.environ, **(env or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"llm-router {__version__}"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"LLM_ROUTER_PORT": "abc"}, "LLM_ROUTER_PORT"),
        ({"LLM_ROUTER_PORT": "70000"}, "LLM_ROUTER_PORT"),
        ({"LLM_ROUTER_LOG_LEVEL": "loud"}, "LLM_ROUTER_LOG_LEVEL"),
        ({"LLM_ROUTER_AUTH": "maybe"}, "LLM_ROUTER_AUTH"),
        (
            {"LLM_ROUTER_DATABASE_URL": "postgresql+asyncpg://nobody@127.0.0.1:1/none"},
            "LLM_ROUTER_DATABASE_URL",
        ),
        ({"LLM_ROUTER_DATABASE_URL": "mysql://x"}, "LLM_ROUTER_DATABASE_URL"),
    ],
)
def test_bad_setting_gives_one_clear_line(env: dict[str, str], named: str, tmp_path: Path) -> None:
    result = run_cli("serve", env={"LLM_ROUTER_DATA_DIR": str(tmp_path), **env}, cwd=tmp_path)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert named in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_database_password_is_not_printed(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://user:hunter2-canary@127.0.0.1:1/none"
    result = run_cli("serve", env={"LLM_ROUTER_DATABASE_URL": url}, cwd=tmp_path)
    assert result.returncode != 0
    assert "hunter2-canary" not in result.stderr + result.stdout


def test_db_upgrade_creates_schema_and_owner(tmp_path: Path) -> None:
    result = run_cli("db", "upgrade", env={"LLM_ROUTER_DATA_DIR": str(tmp_path)}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "llm-router.db") as conn:
        assert conn.execute("select count(*) from users").fetchone() == (1,)
        assert conn.execute("pragma journal_mode").fetchone() == ("wal",)


def test_serve_prints_url_and_stops_on_sigterm(tmp_path: Path) -> None:
    server = ServerProcess(
        {"LLM_ROUTER_DATA_DIR": str(tmp_path / "data"), "LLM_ROUTER_AUTH": "none"}, tmp_path
    )
    server.start()
    assert httpx.get(f"{server.url}/health").json()["database"] == "ok"
    # uvicorn shuts down gracefully, then re-raises SIGTERM so a supervisor sees how the process ended.
    assert server.terminate() in (0, -signal.SIGTERM)
    assert f"open {server.url}/" in server.log()
    assert "Application shutdown complete" in server.log()


def test_serve_on_postgresql(tmp_path: Path, postgres_factory) -> None:  # type: ignore[no-untyped-def]
    url = postgres_factory.new()
    server = ServerProcess({"LLM_ROUTER_DATABASE_URL": url, "LLM_ROUTER_AUTH": "none"}, tmp_path).start()
    try:
        assert httpx.get(f"{server.url}/health").json() == {
            "status": "ok",
            "version": __version__,
            "database": "ok",
        }
    finally:
        server.terminate()
        postgres_factory.drop(url)


def test_kill_9_then_restart_keeps_sqlite_intact(tmp_path: Path) -> None:
    env = {"LLM_ROUTER_DATA_DIR": str(tmp_path / "data"), "LLM_ROUTER_AUTH": "none"}
    server = ServerProcess(env, tmp_path).start()
    for _ in range(20):  # traffic in flight when the process dies
        httpx.get(f"{server.url}/health")
    os.kill(server.proc.pid, signal.SIGKILL)  # type: ignore[union-attr]
    server.proc.wait(timeout=10)  # type: ignore[union-attr]
    restarted = ServerProcess(env, tmp_path, port=server.port)
    time.sleep(0.1)
    restarted.start()
    try:
        assert httpx.get(f"{restarted.url}/health").status_code == 200
    finally:
        restarted.terminate()
    with sqlite3.connect(tmp_path / "data" / "llm-router.db") as conn:
        assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
