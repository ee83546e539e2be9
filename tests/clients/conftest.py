"""Real agent clients (Codex CLI, Claude Code) against the app, with the fake provider upstream.

The clients are pinned npm packages, installed on first use into ``~/.cache/llm-router-tests/npm``
(``LLM_ROUTER_TEST_NPM_CACHE`` overrides it) and reused by later runs. They talk only to 127.0.0.1: the
app's port, with telemetry, update checks and other non-essential traffic turned off.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

CODEX = "@openai/codex@0.171.0"
CLAUDE_CODE = "@anthropic-ai/claude-code@2.1.332"
CLIENT_TIMEOUT = 180  # seconds a client run may take before the test fails (a bound, not a measure)


def _cache_dir() -> Path:
    default = Path.home() / ".cache" / "llm-router-tests" / "npm"
    return Path(os.environ.get("LLM_ROUTER_TEST_NPM_CACHE", default))


def _installed_version(prefix: Path, package: str) -> str | None:
    name = package.rsplit("@", 1)[0]
    manifest = prefix / "node_modules" / name / "package.json"
    if not manifest.exists():
        return None
    return str(json.loads(manifest.read_text())["version"])


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
    prefix = _cache_dir()
    wanted = (CODEX, CLAUDE_CODE)
    missing = [p for p in wanted if _installed_version(prefix, p) != p.rsplit("@", 1)[1]]
    if missing:
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail(
                "the real-clients tests need Node.js and npm (to install "
                + ", ".join(wanted)
                + "): install them (Debian: apt-get install nodejs npm) or deselect with -m 'not clients'"
            )
        prefix.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--save-exact", *missing],
            check=True,
            timeout=600,
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
