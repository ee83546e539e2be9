from __future__ import annotations

import httpx

from llm_router import __version__
from llm_router.api.app import create_app
from tests.support.server import LiveServer


def test_health_reports_version_and_database(live_server: LiveServer) -> None:
    response = httpx.get(f"{live_server.url}/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": __version__, "database": "ok"}


def test_health_is_503_when_database_is_gone(live_server: LiveServer, backend: str) -> None:
    services = live_server.app.state.services
    # Point the read engine at a database that does not exist any more.
    from dataclasses import replace

    from llm_router.db.engine import Database

    broken = Database(
        "sqlite+aiosqlite:////nonexistent-dir/x.db"
        if backend == "sqlite"
        else "postgresql+asyncpg://postgres@127.0.0.1:1/none"
    )
    live_server.app.state.services = replace(services, db=broken)
    try:
        response = httpx.get(f"{live_server.url}/health")
    finally:
        live_server.app.state.services = services
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_root_serves_a_page(live_server: LiveServer) -> None:
    response = httpx.get(f"{live_server.url}/")
    assert response.status_code == 200
    assert "llm-router" in response.text


def test_request_log_line_has_method_path_status_and_no_query(live_server: LiveServer, caplog) -> None:  # type: ignore[no-untyped-def]
    import logging

    from tests.support.waiting import wait_until

    def lines() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.name == "llm_router.request"]

    with caplog.at_level(logging.INFO, logger="llm_router.request"):
        httpx.get(f"{live_server.url}/health?api_key=sk-secret-canary-123")
        # the line is written after the response went out: the client may see the answer first
        wait_until(
            lambda: any(line.startswith("GET /health 200 ") and line.endswith("ms") for line in lines()),
            timeout=5,
            message="the request log line",
        )
    assert not any("canary" in line for line in lines())


def test_unknown_route_is_json_404(live_server: LiveServer) -> None:
    response = httpx.get(f"{live_server.url}/api/nope")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "http_404"


def test_app_has_no_global_state(settings) -> None:  # type: ignore[no-untyped-def]
    assert create_app(settings) is not create_app(settings)
