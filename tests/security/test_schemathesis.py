"""Schemathesis fuzzes every operation of ``/openapi.json`` on a live server, signed in as the admin:
no input may produce a 5xx. Bounded (few examples, fixed seed) so it stays well under a minute.

Signing out and changing the password end the session they run on, so each gets a run (and a session)
of its own after the main run. Fuzzed provider keys may name any host: name resolution is replaced by
one that knows no names and no public addresses, so a saved key can only fail to connect — the tests
never leave 127.0.0.1.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from llm_router.api.app import create_app
from llm_router.core.settings import Settings
from llm_router.services.accounts.sessions import SESSION_COOKIE
from llm_router.services.keys import ssrf
from llm_router.testing import FakeProvider
from tests.security.conftest import ADMIN_PASSWORD, browser, start_server
from tests.support.chat import use_fake_provider
from tests.support.server import LiveServer

SESSION_ENDING = "^/api/auth/(logout|password)$"


async def loopback_only(host: str, port: int) -> list[ssrf.IPAddress]:
    """``ssrf.resolve`` for this test: literal loopback addresses only; anything else does not resolve."""
    ip = ssrf.normalize_ip(host)
    if ip is None:
        host.encode("idna")  # as the real resolver does first: it fails on some names
    if ip is None or not ip.is_loopback:
        raise OSError(f"{host}: not resolved in this test (offline)")
    return [ip]


def sign_in(url: str) -> str:
    with browser(url) as client:
        response = client.post("/api/auth/login", json={"username": "alice", "password": ADMIN_PASSWORD})
        assert response.status_code == 200, response.text
        return client.cookies[SESSION_COOKIE]


def selected(output: str) -> tuple[int, int]:
    found = re.search(r"Selected: (\d+)/(\d+)", output)
    assert found, output[-3000:]
    return int(found[1]), int(found[2])


def total(output: str) -> int:
    return selected(output)[1]


def fuzz(live: LiveServer, cookie: str, token: str, cwd: Path, *selection: str) -> str:
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("schemathesis")),
            "run",
            f"{live.url}/openapi.json",
            "--phases=examples,fuzzing",
            "--max-examples=4",
            "--checks=not_a_server_error",
            "--seed=7",
            "--request-timeout=20",
            "--workers=2",
            *selection,
            f"--header=Cookie: {SESSION_COOKIE}={cookie}",
            f"--header=Authorization: Bearer {token}",  # /v1 (the /api routes go by the cookie)
            f"--header=Origin: {live.url}",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert "Fuzzing" in output, output[-3000:]
    assert " passed" in output, output[-3000:]
    return output


@pytest.mark.slow
def test_schemathesis_finds_no_server_errors(
    make_settings: Callable[..., Settings],
    fake_provider: FakeProvider,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    use_fake_provider(monkeypatch, fake_provider)
    monkeypatch.setattr(ssrf, "resolve", loopback_only)
    live = start_server(create_app(make_settings(auth="password", rate_limit_per_minute=100_000)))
    try:
        with browser(live.url) as client:
            client.post("/api/auth/setup", json={"username": "alice", "password": ADMIN_PASSWORD})
            cookie = client.cookies[SESSION_COOKIE]
            client.post("/api/conversations", json={"title": "seed"})
            token = client.post("/api/tokens", json={"name": "fuzz"}).json()["token"]  # for /v1
            # a key of each scope, so the /api/keys/{id} operations also meet real rows
            for scope in ("instance", "user"):
                body = {
                    "name": f"seed-{scope}",
                    "protocol": "openai",
                    "api_key": "sk-seed-0000",
                    "scope": scope,
                }
                assert client.post("/api/keys", json=body).status_code == 201
        # sessions of their own for the two runs that end them, made before fuzzing the sign-in
        sessions = [sign_in(live.url), sign_in(live.url)]
        output = fuzz(live, cookie, token, tmp_path, f"--exclude-path-regex={SESSION_ENDING}")
        assert selected(output) == (total(output) - 2, total(output))  # all but the two below
        for path, own_session in zip(("/api/auth/logout", "/api/auth/password"), sessions, strict=True):
            output = fuzz(live, own_session, token, tmp_path, f"--include-path={path}")
            assert selected(output)[0] == 1
        assert httpx.get(f"{live.url}/health").status_code == 200
    finally:
        live.stop()
