"""Real servers on loopback for tests: the app in a thread (uvicorn), or as a subprocess."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI

from tests.support.waiting import wait_until


class LiveServer:
    """Runs an ASGI app with uvicorn in a background thread on an ephemeral loopback port."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        config = uvicorn.Config(
            app, host="127.0.0.1", port=0, log_config=None, lifespan="on", access_log=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = ""

    def start(self) -> LiveServer:
        self.thread.start()

        def started() -> bool:
            if not self.thread.is_alive():
                raise RuntimeError("test server failed to start")
            return bool(self.server.started)

        wait_until(started, timeout=30, interval=0.01, message="the test server to start")
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServerProcess:
    """``llm-router serve`` in a subprocess, for tests that kill or restart the process."""

    def __init__(self, env: dict[str, str], cwd: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        # One process unless a test asks for workers (``serve`` defaults to one per core).
        base = {**os.environ, "LLM_ROUTER_WORKERS": os.environ.get("LLM_ROUTER_WORKERS", "1")}
        self.env = {**base, **env, "LLM_ROUTER_PORT": str(self.port), "LLM_ROUTER_HOST": "127.0.0.1"}
        self.cwd = cwd
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = cwd / f"server-{self.port}.log"

    def start(self, timeout: float = 30) -> ServerProcess:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "llm_router", "serve"],
                env=self.env,
                cwd=self.cwd,
                stdout=log,
                stderr=log,
            )
        proc = self.proc

        def healthy() -> bool:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}: {self.log()}")
            try:
                return httpx.get(f"{self.url}/health", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        try:
            wait_until(healthy, timeout=timeout, message="the server to answer /health")
        except AssertionError:
            self.kill()  # never leave a half-started server behind for the next test
            raise RuntimeError(f"server did not become healthy within {timeout} s: {self.log()}") from None
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def terminate(self) -> int:
        assert self.proc is not None
        self.proc.terminate()
        return self.proc.wait(timeout=20)
