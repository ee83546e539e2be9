"""Pinned npm tools for tests (real clients, Lighthouse), installed on first use.

They go into ``~/.cache/llm-router-tests/npm`` (``LLM_ROUTER_TEST_NPM_CACHE`` overrides it) with
``npm install --prefix`` and are reused by later runs; a tool at another version is reinstalled. The
check and the install hold a lock on the prefix, so parallel test workers install one at a time.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest


def cache_dir() -> Path:
    default = Path.home() / ".cache" / "llm-router-tests" / "npm"
    return Path(os.environ.get("LLM_ROUTER_TEST_NPM_CACHE", default))


def installed_version(prefix: Path, package: str) -> str | None:
    name = package.rsplit("@", 1)[0]
    manifest = prefix / "node_modules" / name / "package.json"
    if not manifest.exists():
        return None
    return str(json.loads(manifest.read_text())["version"])


def ensure_installed(*packages: str, why: str) -> Path:
    """The prefix holding ``packages`` ("name@version"), installing those missing or at another
    version. ``why`` names the tests that need them (said when npm is missing)."""
    prefix = cache_dir()
    prefix.mkdir(parents=True, exist_ok=True)
    with (prefix / ".install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        _install_missing(prefix, packages, why)
    return prefix


def _install_missing(prefix: Path, packages: tuple[str, ...], why: str) -> None:
    missing = [p for p in packages if installed_version(prefix, p) != p.rsplit("@", 1)[1]]
    if missing:
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail(
                f"{why} need Node.js and npm (to install {', '.join(packages)}): install them "
                "(Debian: apt-get install nodejs npm)"
            )
        subprocess.run(
            [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--save-exact", *missing],
            check=True,
            timeout=600,
        )
