"""Cross-site requests, CORS and the security headers on every answer."""

from __future__ import annotations

import httpx
import pytest

from llm_router.services.accounts.sessions import SESSION_COOKIE
from tests.support.server import LiveServer

CROSS_SITE = [
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site", "Origin": "http://sub.127.0.0.1"},
]


@pytest.mark.parametrize("headers", CROSS_SITE)
def test_cross_origin_state_changing_post_is_rejected(admin: httpx.Client, headers: dict[str, str]) -> None:
    cookie = {"Cookie": f"{SESSION_COOKIE}={admin.cookies[SESSION_COOKIE]}"}
    with httpx.Client(base_url=str(admin.base_url), timeout=30) as attacker_page:
        response = attacker_page.post(
            "/api/conversations", json={"title": "csrf"}, headers={**cookie, **headers}
        )
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "cross_site_request"
        logout = attacker_page.post("/api/auth/logout", headers={**cookie, **headers})
        assert logout.status_code == 403
    listing = admin.get("/api/conversations").json()
    assert all(c["title"] != "csrf" for c in listing["items"])
    assert admin.get("/api/me").status_code == 200  # the forged logout did nothing


def test_same_origin_requests_pass(admin: httpx.Client) -> None:
    assert admin.post("/api/conversations", json={"title": "mine"}).status_code == 201


def test_cross_site_login_is_rejected_too(server: LiveServer, admin: httpx.Client) -> None:
    # Login CSRF would sign the victim into the attacker's account.
    with httpx.Client(base_url=server.url, timeout=30) as page:
        response = page.post(
            "/api/auth/login",
            json={"username": "alice", "password": "admin-password-1"},
            headers={"Origin": "https://evil.example"},
        )
    assert response.status_code == 403


def test_token_authenticated_v1_calls_are_not_subject_to_the_origin_check(
    server: LiveServer, admin: httpx.Client
) -> None:
    token = admin.post("/api/tokens", json={"name": "sdk"}).json()["token"]
    with httpx.Client(base_url=server.url, timeout=30) as sdk:
        body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
        for auth in ({"Authorization": f"Bearer {token}"}, {"x-api-key": token}):
            response = sdk.post(
                "/v1/chat/completions", json=body, headers={**auth, "Origin": "https://tool.example"}
            )
            assert response.status_code == 200, response.text


def test_cors_is_closed(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as page:
        preflight = page.options(
            "/api/conversations",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        plain = page.get("/api/auth/status", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in plain.headers


@pytest.mark.parametrize("path", ["/", "/api/auth/status", "/api/me", "/health", "/api/nope"])
def test_security_headers_on_every_answer(server: LiveServer, path: str) -> None:
    response = httpx.get(f"{server.url}{path}")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"
