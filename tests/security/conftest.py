"""Fixtures of the attack suite: a password-mode server on the current backend and signed-in users."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from llm_router.api.app import create_app
from llm_router.core.settings import Settings
from llm_router.testing import FakeProvider
from tests.support.chat import use_fake_provider
from tests.support.server import LiveServer

ADMIN_PASSWORD = "admin-password-1"
USER_PASSWORD = "user-password-22"


@pytest.fixture
def secure_settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(auth="password", allowed_private_hosts=["127.0.0.1"])


@pytest.fixture
def server(
    secure_settings: Settings, fake_provider: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LiveServer]:
    use_fake_provider(monkeypatch, fake_provider)
    live = start_server(create_app(secure_settings))
    yield live
    live.stop()


def start_server(app: FastAPI) -> LiveServer:
    """Like production (``llm-router serve``): uvicorn's own proxy-header handling off, so only
    ``LLM_ROUTER_TRUSTED_PROXIES`` decides whose ``X-Forwarded-*`` headers count."""
    live = LiveServer(app)
    live.server.config.proxy_headers = False
    return live.start()


def browser(url: str) -> httpx.Client:
    """A client that behaves like the web app in a browser: same-origin headers on every request."""
    return httpx.Client(base_url=url, timeout=30, headers={"Origin": url, "Sec-Fetch-Site": "same-origin"})


@contextmanager
def sign_in(url: str, username: str, password: str) -> Iterator[httpx.Client]:
    with browser(url) as client:
        response = client.post("/api/auth/login", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        yield client


@pytest.fixture
def admin(server: LiveServer) -> Iterator[httpx.Client]:
    """The owner, signed in after the first-run setup."""
    client = browser(server.url)
    response = client.post("/api/auth/setup", json={"username": "alice", "password": ADMIN_PASSWORD})
    assert response.status_code == 200, response.text
    yield client
    client.close()


def create_user(admin: httpx.Client, username: str, password: str = USER_PASSWORD, **extra: Any) -> str:
    response = admin.post("/api/admin/users", json={"username": username, "password": password, **extra})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@pytest.fixture
def bob(server: LiveServer, admin: httpx.Client) -> Iterator[httpx.Client]:
    """A second, ordinary user, signed in."""
    create_user(admin, "bob")
    with sign_in(server.url, "bob", USER_PASSWORD) as client:
        yield client


def query(database_url: str, sql: str) -> list[tuple[Any, ...]]:
    """Rows of a raw SQL query on the test database, from a connection of our own."""
    from sqlalchemy import text

    from llm_router.db.engine import Database

    async def run() -> list[tuple[Any, ...]]:
        db = Database(database_url)
        try:
            async with db.read() as session:
                return [tuple(row) for row in (await session.execute(text(sql))).all()]
        finally:
            await db.dispose()

    return asyncio.run(run())
