"""Real agent clients (Codex CLI, Claude Code) against the app, with the fake provider upstream.

The clients are pinned npm packages, installed on first use into ``~/.cache/llm-router-tests/npm``
(``LLM_ROUTER_TEST_NPM_CACHE`` overrides it) and reused by later runs. They talk only to 127.0.0.1: the
app's port, with telemetry, update checks and other non-essential traffic turned off.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.npm_tools import ensure_installed

CODEX = "@openai/codex@0.171.0"
CLAUDE_CODE = "@anthropic-ai/claude-code@2.1.332"
CLIENT_TIMEOUT = 180  # seconds a client run may take before the test fails (a bound, not a measure)


@dataclass(frozen=True)
class Clients:
    prefix: Path

    @property
    def codex(self) -> Path:
        return self.prefix / "node_modules" / ".bin" / "codex"

    @property
    def claude(self) -> Path:
        return self.prefix / "node_modules" / ".bin" / "claude"


@pytest.fixture(scope="session")
def clients() -> Clients:
    """The pinned clients, installed with ``npm install --prefix`` when missing or at another version."""
    prefix = ensure_installed(
        CODEX, CLAUDE_CODE, why="the real-clients tests (or deselect them with -m 'not clients')"
    )
    return Clients(prefix)


@pytest.fixture
def backend() -> str:
    """The clients exercise the gateway, not the database: SQLite only."""
    return "sqlite"


def client_env(home: Path, **extra: str) -> dict[str, str]:
    """A clean environment: a private HOME, no proxies, nothing of the developer's own configuration."""
    env = {
        "HOME": str(home),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "NO_COLOR": "1",
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    env.update(extra)
    return env


def run_client(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=CLIENT_TIMEOUT,
        stdin=subprocess.DEVNULL,
    )
