"""Sign-in, first-run setup, sessions: fixation, revocation at logout and password change, cookie flags."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor

import httpx

from llm_router.services.accounts.sessions import SESSION_COOKIE
from tests.security.conftest import (
    ADMIN_PASSWORD,
    USER_PASSWORD,
    browser,
    create_user,
    query,
    sign_in,
    start_server,
)
from tests.support.server import LiveServer


def test_status_before_setup_needs_setup_and_api_refuses(server: LiveServer) -> None:
    with browser(server.url) as client:
        status = client.get("/api/auth/status").json()
        assert status == {"auth_mode": "password", "needs_setup": True, "user": None}
        assert client.get("/api/me").status_code == 401
        assert client.get("/api/conversations").status_code == 401
        # The unclaimed owner has no password: no way to sign in as it.
        refused = client.post("/api/auth/login", json={"username": "admin", "password": "anything-1"})
        assert refused.status_code == 401


def test_setup_is_race_safe_exactly_one_wins(server: LiveServer) -> None:
    def claim(i: int) -> int:
        with browser(server.url) as client:
            response = client.post(
                "/api/auth/setup", json={"username": f"owner{i}", "password": "password-xyz"}
            )
            return response.status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = list(pool.map(claim, range(6)))
    assert sorted(codes) == [200] + [409] * 5
    with browser(server.url) as client:
        assert client.get("/api/auth/status").json()["needs_setup"] is False


def test_setup_signs_in_the_admin(admin: httpx.Client) -> None:
    me = admin.get("/api/me").json()
    assert me["username"] == "alice"
    assert me["role"] == "admin"
    assert me["auth_mode"] == "password"
    status = admin.get("/api/auth/status").json()
    assert status["needs_setup"] is False
    assert status["user"]["username"] == "alice"


def test_cookie_is_httponly_lax_and_random(server: LiveServer) -> None:
    with browser(server.url) as client:
        response = client.post("/api/auth/setup", json={"username": "alice", "password": ADMIN_PASSWORD})
        cookie = response.headers["set-cookie"]
        assert f"{SESSION_COOKIE}=" in cookie
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie or "samesite=lax" in cookie.lower()
        assert "Secure" not in cookie  # plain http here; over TLS it is set (see below)
        value = client.cookies[SESSION_COOKIE]
        assert len(value) >= 32  # 256 random bits, base64url


def test_session_id_in_database_is_a_hash_of_the_cookie(admin: httpx.Client, database_url: str) -> None:
    value = admin.cookies[SESSION_COOKIE]
    stored = [row[0] for row in query(database_url, "SELECT id FROM sessions")]
    assert hashlib.sha256(value.encode()).hexdigest() in stored
    assert value not in stored


def test_login_issues_a_new_session_id_fixation_refused(server: LiveServer, admin: httpx.Client) -> None:
    create_user(admin, "bob")
    planted = "attacker-chosen-session-value-0123456789"
    with browser(server.url) as client:
        fixed = {"Cookie": f"{SESSION_COOKIE}={planted}"}
        assert client.get("/api/me", headers=fixed).status_code == 401
        response = client.post(
            "/api/auth/login", json={"username": "bob", "password": USER_PASSWORD}, headers=fixed
        )
        assert response.status_code == 200
        issued = response.cookies[SESSION_COOKIE]
        assert issued != planted
        assert client.get("/api/me").status_code == 200
    with browser(server.url) as attacker:
        assert attacker.get("/api/me", headers={"Cookie": f"{SESSION_COOKIE}={planted}"}).status_code == 401


def test_login_twice_gives_two_different_sessions(server: LiveServer, admin: httpx.Client) -> None:
    create_user(admin, "bob")
    with (
        sign_in(server.url, "bob", USER_PASSWORD) as first,
        sign_in(server.url, "bob", USER_PASSWORD) as second,
    ):
        assert first.cookies[SESSION_COOKIE] != second.cookies[SESSION_COOKIE]
        assert first.get("/api/me").status_code == 200
        assert second.get("/api/me").status_code == 200


def test_logout_revokes_the_session_server_side(server: LiveServer, admin: httpx.Client) -> None:
    stolen = admin.cookies[SESSION_COOKIE]
    assert admin.post("/api/auth/logout").status_code == 204
    with browser(server.url) as replay:
        assert replay.get("/api/me", headers={"Cookie": f"{SESSION_COOKIE}={stolen}"}).status_code == 401


def test_password_change_revokes_every_session_and_issues_a_new_one(
    server: LiveServer, admin: httpx.Client
) -> None:
    create_user(admin, "bob")
    with (
        sign_in(server.url, "bob", USER_PASSWORD) as laptop,
        sign_in(server.url, "bob", USER_PASSWORD) as phone,
    ):
        old_laptop_cookie = laptop.cookies[SESSION_COOKIE]
        response = laptop.post(
            "/api/auth/password", json={"current_password": USER_PASSWORD, "new_password": "brand-new-pass-9"}
        )
        assert response.status_code == 204
        assert laptop.cookies[SESSION_COOKIE] != old_laptop_cookie
        assert laptop.get("/api/me").status_code == 200  # the new session
        assert phone.get("/api/me").status_code == 401  # every other session ended
    with browser(server.url) as replay:
        replayed = {"Cookie": f"{SESSION_COOKIE}={old_laptop_cookie}"}
        assert replay.get("/api/me", headers=replayed).status_code == 401
    with sign_in(server.url, "bob", "brand-new-pass-9") as again:
        assert again.get("/api/me").status_code == 200


def test_password_change_needs_the_current_password(admin: httpx.Client) -> None:
    response = admin.post(
        "/api/auth/password", json={"current_password": "wrong-one-1", "new_password": "x" * 12}
    )
    assert response.status_code == 403
    assert admin.get("/api/me").status_code == 200


def test_short_password_refused_with_a_message(server: LiveServer) -> None:
    with browser(server.url) as client:
        response = client.post("/api/auth/setup", json={"username": "alice", "password": "short"})
        assert response.status_code == 422
        assert "at least" in response.json()["error"]["message"]


def test_secure_cookie_behind_a_trusted_tls_proxy(make_settings, fake_provider, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from llm_router.api.app import create_app
    from tests.support.chat import use_fake_provider

    use_fake_provider(monkeypatch, fake_provider)
    live = start_server(create_app(make_settings(auth="password", trusted_proxies=["127.0.0.1"])))
    try:
        with browser(live.url) as client:
            response = client.post(
                "/api/auth/setup",
                json={"username": "alice", "password": ADMIN_PASSWORD},
                headers={"X-Forwarded-Proto": "https"},
            )
            assert response.status_code == 200
            assert "Secure" in response.headers["set-cookie"]
    finally:
        live.stop()


def test_forwarded_proto_from_an_untrusted_peer_is_ignored(server: LiveServer) -> None:
    with browser(server.url) as client:
        response = client.post(
            "/api/auth/setup",
            json={"username": "alice", "password": ADMIN_PASSWORD},
            headers={"X-Forwarded-Proto": "https"},
        )
        assert "Secure" not in response.headers["set-cookie"]
