"""Roles and account administration; the trusted-header and none modes."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from llm_router.api.app import create_app
from llm_router.core.settings import Settings
from tests.security.conftest import USER_PASSWORD, browser, create_user, sign_in, start_server
from tests.support.server import LiveServer


def test_admin_lists_creates_and_disables_users(server: LiveServer, admin: httpx.Client) -> None:
    bob_id = create_user(admin, "bob")
    names = {u["username"]: u for u in admin.get("/api/admin/users").json()["items"]}
    assert set(names) == {"alice", "bob"}
    assert names["bob"]["role"] == "user"
    assert names["bob"]["disabled"] is False
    assert all("password" not in key for u in names.values() for key in u)
    assert (
        admin.post("/api/admin/users", json={"username": "bob", "password": USER_PASSWORD}).status_code == 409
    )
    assert admin.patch(f"/api/admin/users/{bob_id}", json={"role": "admin"}).json()["role"] == "admin"


def test_ordinary_users_cannot_administer(bob: httpx.Client, admin: httpx.Client) -> None:
    alice_id = admin.get("/api/me").json()["id"]
    assert bob.get("/api/admin/users").status_code == 403
    assert (
        bob.post("/api/admin/users", json={"username": "eve", "password": USER_PASSWORD}).status_code == 403
    )
    assert bob.patch(f"/api/admin/users/{alice_id}", json={"disabled": True}).status_code == 403
    assert admin.get("/api/me").status_code == 200


def test_admin_cannot_lock_themselves_out(admin: httpx.Client) -> None:
    me = admin.get("/api/me").json()["id"]
    assert admin.patch(f"/api/admin/users/{me}", json={"disabled": True}).status_code == 409
    assert admin.patch(f"/api/admin/users/{me}", json={"role": "user"}).status_code == 409


def test_disabling_a_user_ends_sessions_and_api_tokens_at_once(
    server: LiveServer, admin: httpx.Client
) -> None:
    bob_id = create_user(admin, "bob")
    with sign_in(server.url, "bob", USER_PASSWORD) as bob:
        token = bob.post("/api/tokens", json={"name": "cli"}).json()["token"]
        for auth in ({"Authorization": f"Bearer {token}"}, {"x-api-key": token}):
            assert httpx.get(f"{server.url}/v1/models", headers=auth).status_code == 200
        assert admin.patch(f"/api/admin/users/{bob_id}", json={"disabled": True}).status_code == 200
        assert bob.get("/api/me").status_code == 401
        for auth in ({"Authorization": f"Bearer {token}"}, {"x-api-key": token}):
            assert httpx.get(f"{server.url}/v1/models", headers=auth).status_code == 401
    with browser(server.url) as again:
        login = again.post("/api/auth/login", json={"username": "bob", "password": USER_PASSWORD})
        assert login.status_code == 401


def test_admin_password_reset_ends_the_users_sessions(server: LiveServer, admin: httpx.Client) -> None:
    bob_id = create_user(admin, "bob")
    with sign_in(server.url, "bob", USER_PASSWORD) as bob:
        assert (
            admin.patch(f"/api/admin/users/{bob_id}", json={"password": "reset-by-admin-1"}).status_code
            == 200
        )
        assert bob.get("/api/me").status_code == 401
    with sign_in(server.url, "bob", "reset-by-admin-1") as bob:
        assert bob.get("/api/me").json()["username"] == "bob"


@pytest.fixture
def proxied(make_settings: Callable[..., Settings]) -> Callable[[list[str]], LiveServer]:
    servers: list[LiveServer] = []

    def start(trusted: list[str]) -> LiveServer:
        settings = make_settings(auth="trusted-header", trusted_header="X-Auth-User", trusted_proxies=trusted)
        servers.append(start_server(create_app(settings)))
        return servers[-1]

    yield start  # type: ignore[misc]
    for live in servers:
        live.stop()


def test_trusted_header_from_a_trusted_proxy_signs_in_and_creates_users(proxied) -> None:  # type: ignore[no-untyped-def]
    live = proxied(["127.0.0.1/32"])
    with httpx.Client(base_url=live.url, timeout=30) as client:
        first = client.get("/api/me", headers={"X-Auth-User": "dora"})
        assert first.status_code == 200
        assert first.json()["role"] == "admin"  # the first user claims the owner account
        second = client.get("/api/me", headers={"X-Auth-User": "eli"})
        assert second.json()["role"] == "user"
        assert client.get("/api/me").status_code == 401  # no header: nobody
        # A proxy-created account has no password: it cannot sign in directly.
        refused = client.post("/api/auth/login", json={"username": "eli", "password": "anything-1"})
        assert refused.status_code in (401, 409)


def test_trusted_header_from_an_untrusted_address_is_ignored(proxied) -> None:  # type: ignore[no-untyped-def]
    live = proxied(["10.9.8.7"])
    with httpx.Client(base_url=live.url, timeout=30) as client:
        assert client.get("/api/me", headers={"X-Auth-User": "dora"}).status_code == 401
        assert client.get("/api/conversations", headers={"X-Auth-User": "dora"}).status_code == 401


def test_none_mode_acts_as_the_owner(live_server: LiveServer) -> None:
    me = httpx.get(f"{live_server.url}/api/me").json()
    assert me["auth_mode"] == "none"
    assert me["id"] == "00000000000000000000000000000001"


def test_none_mode_warns_when_listening_beyond_loopback(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from llm_router.api.services import warn_if_exposed

    with caplog.at_level(logging.WARNING):
        warn_if_exposed(Settings(_env_file=None, auth="none", host="0.0.0.0"))  # type: ignore[call-arg]
        warn_if_exposed(Settings(_env_file=None, auth="none", host="127.0.0.1"))  # type: ignore[call-arg]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "0.0.0.0" in warnings[0]
