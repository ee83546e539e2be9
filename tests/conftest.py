"""Shared fixtures. Database-backed tests run on SQLite and on PostgreSQL (``backend`` fixture)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from llm_router.api.app import create_app
from llm_router.core.settings import Settings
from llm_router.testing import FakeProvider
from tests.support.databases import PostgresFactory, SqliteFactory
from tests.support.server import LiveServer
from tests.support.v1 import V1App, start_v1_app

BACKENDS = ["sqlite", "postgresql"]
LONGEST_TIERS = ("docker", "clients", "slow")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest tests first (stable otherwise): with parallel workers (``./scripts/test`` runs two),
    a five-minute Docker build handed out last would leave the other worker idle until it ends."""
    items.sort(key=lambda item: not any(item.get_closest_marker(tier) for tier in LONGEST_TIERS))


@pytest.fixture(scope="session")
def sqlite_factory(tmp_path_factory: pytest.TempPathFactory) -> SqliteFactory:
    return SqliteFactory(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def postgres_factory() -> Iterator[PostgresFactory]:
    factory = PostgresFactory()
    yield factory
    factory.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database for this test on the selected backend."""
    if backend == "sqlite":
        yield request.getfixturevalue("sqlite_factory").new(tmp_path)
        return
    factory: PostgresFactory = request.getfixturevalue("postgres_factory")
    url = factory.new()
    yield url
    factory.drop(url)


@pytest.fixture
def make_settings(tmp_path: Path, database_url: str) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {"data_dir": tmp_path / "data", "database_url": database_url, "auth": "none"}
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    return make


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture
def live_server(settings: Settings) -> Iterator[LiveServer]:
    """The app on a real loopback port, on a fresh database of the current backend."""
    server = LiveServer(create_app(settings)).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def fake_provider_server() -> Iterator[FakeProvider]:
    """One fake OpenAI/Anthropic server for the whole run (use ``fake_provider`` in tests)."""
    with FakeProvider() as fake:
        yield fake


@pytest.fixture
def fake_provider(fake_provider_server: FakeProvider) -> Iterator[FakeProvider]:
    """The fake provider, reset: empty queue and request log, echo default, any model and key."""
    fake_provider_server.reset()
    yield fake_provider_server
    fake_provider_server.reset()


@pytest.fixture(scope="session")
def local_provider_server() -> Iterator[FakeProvider]:
    """A second fake server, configured as a local provider (Ollama-like) where tests need one."""
    with FakeProvider() as fake:
        yield fake


@pytest.fixture
def local_provider(local_provider_server: FakeProvider) -> Iterator[FakeProvider]:
    local_provider_server.reset()
    yield local_provider_server
    local_provider_server.reset()


@pytest.fixture
def v1_overrides() -> dict[str, object]:
    """Settings of ``v1_app`` beyond the defaults (``routes`` takes a routes-file mapping); a test module
    may override this fixture."""
    return {}


@pytest.fixture
def v1_app(
    make_settings: Callable[..., Settings],
    tmp_path: Path,
    fake_provider: FakeProvider,
    local_provider: FakeProvider,
    v1_overrides: dict[str, Any],
) -> Iterator[V1App]:
    """The app on a real port with providers at the fake servers (see ``tests.support.v1``)."""
    overrides = dict(v1_overrides)
    routes = overrides.pop("routes", None)
    app = start_v1_app(make_settings, tmp_path, fake_provider, local_provider, routes=routes, **overrides)
    yield app
    app.stop()
