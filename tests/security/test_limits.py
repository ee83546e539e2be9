"""Request limits: body cap (413 at once), bad JSON and content types (4xx with a message), NUL and lone
surrogates (refused, never a 500), request rate limits (429 + Retry-After)."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx
import pytest

from llm_router.api.app import create_app
from llm_router.core.settings import Settings
from tests.security.conftest import browser, start_server
from tests.support.server import LiveServer

FIFTY_MB = 50 * 1024 * 1024


def raw_exchange(url: str, head: bytes, body_parts: list[bytes]) -> bytes:
    """Send a request by hand (so the body can be announced but not sent) and read the answer."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(head)
        try:
            for part in body_parts:
                sock.sendall(part)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed early: exactly what we want
        answer = b""
        try:
            while b"\r\n\r\n" not in answer:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
        except ConnectionResetError:
            pass
        return answer


def test_fifty_megabyte_body_is_refused_before_it_is_read(live_server: LiveServer) -> None:
    head = (
        b"POST /api/conversations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {FIFTY_MB}\r\n\r\n".encode()
    )
    answer = raw_exchange(live_server.url, head, [b"{"])  # 1 byte of 50 MB sent: the answer comes anyway
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_streamed_body_over_the_cap_is_cut_off(live_server: LiveServer, settings: Settings) -> None:
    head = (
        b"POST /api/conversations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"x" * (1024 * 1024)
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    count = settings.max_body_bytes // len(chunk) + 2
    answer = raw_exchange(live_server.url, head, [frame] * count)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_streamed_non_json_body_over_the_cap_is_cut_off(live_server: LiveServer, settings: Settings) -> None:
    head = (
        b"POST /api/conversations HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: multipart/form-data; boundary=xyz\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    part = b'--xyz\r\nContent-Disposition: form-data; name="f"; filename="a.bin"\r\n\r\n'
    chunk = b"x" * (1024 * 1024)
    frames = [
        f"{len(c):x}\r\n".encode() + c + b"\r\n"
        for c in [part] + [chunk] * (settings.max_body_bytes // len(chunk) + 2)
    ]
    answer = raw_exchange(live_server.url, head, frames)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:400]


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b'{"title": ', "application/json", 400),
        (b"not json at all", "application/json", 400),
        (b'{"title": "x"}', "text/plain", 415),
        (b"title=x", "application/x-www-form-urlencoded", 415),
        (b'{"title": "x"}', "application/xml", 415),
        (b"[" * 500 + b"]" * 500, "application/json", 413),
        (b'{"title": "\\ud800"}', "application/json", 400),
        (b'{"title": "\\udc00x"}', "application/json", 400),
        (b'{"title": "a\\u0000b"}', "application/json", 422),
        (b'{"title": "\xff\xfe"}', "application/json", 400),
        (b'{"title": "a\x00b"}', "application/json", 400),
    ],
)
def test_bad_bodies_get_a_4xx_with_a_message(
    live_server: LiveServer, body: bytes, content_type: str, status: int
) -> None:
    response = httpx.post(
        f"{live_server.url}/api/conversations", content=body, headers={"Content-Type": content_type}
    )
    assert response.status_code == status, response.text
    assert response.json()["error"]["message"]


def test_escaped_backslash_u0000_is_ordinary_text(live_server: LiveServer) -> None:
    # "\\u0000" is a backslash followed by "u0000": harmless text, stored as such.
    response = httpx.post(
        f"{live_server.url}/api/conversations",
        content=b'{"title": "a\\\\u0000b"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["title"] == "a\\u0000b"


@pytest.mark.parametrize(
    "text", ["emoji 🦊 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "zero\u200bwidth", "rtl \u202e txt", "ＦＵＬＬ", "a\ud7ffb", "\ufeffbom"]
)
def test_unusual_but_valid_text_is_stored_exactly(live_server: LiveServer, text: str) -> None:
    created = httpx.post(f"{live_server.url}/api/conversations", json={"title": text})
    assert created.status_code == 201, created.text
    fetched = httpx.get(f"{live_server.url}/api/conversations/{created.json()['id']}").json()
    assert fetched["title"] == text


@pytest.mark.parametrize("query", ["q=%00", "q=a%00b", "q=%ED%A0%80", "q=%FF"])
def test_nul_and_bad_bytes_in_the_url_are_refused_or_harmless(live_server: LiveServer, query: str) -> None:
    response = httpx.get(f"{live_server.url}/api/search?{query}")
    assert 200 <= response.status_code < 500, response.text


def test_json_body_just_under_the_depth_limit_is_fine(live_server: LiveServer) -> None:
    nested: object = "x"
    for _ in range(30):
        nested = [nested]
    response = httpx.post(f"{live_server.url}/api/conversations", json={"title": "ok", "extra": nested})
    assert response.status_code in (201, 422)  # accepted, or refused by the schema — never 5xx


def test_per_user_rate_limit_answers_429_with_retry_after(make_settings: Callable[..., Settings]) -> None:
    live = start_server(create_app(make_settings(auth="password", rate_limit_per_minute=5)))
    try:
        with browser(live.url) as client:
            client.post("/api/auth/setup", json={"username": "alice", "password": "admin-password-1"})
            codes = [client.get("/api/conversations").status_code for _ in range(6)]
            assert codes == [200] * 5 + [429]
            limited = client.get("/api/conversations")
            assert int(limited.headers["Retry-After"]) >= 1
            assert json.loads(limited.text)["error"]["code"] == "rate_limited"
    finally:
        live.stop()


def test_no_rate_limit_for_the_single_owner_in_none_mode(make_settings: Callable[..., Settings]) -> None:
    live = start_server(create_app(make_settings(auth="none", rate_limit_per_minute=2)))
    try:
        codes = {httpx.get(f"{live.url}/api/conversations").status_code for _ in range(5)}
        assert codes == {200}
    finally:
        live.stop()


def test_per_token_rate_limit_on_v1(make_settings: Callable[..., Settings]) -> None:
    live = start_server(create_app(make_settings(auth="password", rate_limit_per_minute=3)))
    try:
        with httpx.Client(base_url=live.url, timeout=30) as client:
            client.post("/api/auth/setup", json={"username": "alice", "password": "admin-password-1"})
            token = client.post("/api/tokens", json={"name": "t"}).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        codes = [httpx.get(f"{live.url}/v1/models", headers=headers).status_code for _ in range(4)]
        assert codes == [200] * 3 + [429]
    finally:
        live.stop()


JSON_FAMILY = [
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/vnd.api+json",
    "Application/JSON; charset=utf-8",
]


@pytest.mark.parametrize("content_type", JSON_FAMILY)
def test_a_nul_in_any_json_family_body_is_refused_and_never_stored(
    live_server: LiveServer, content_type: str
) -> None:
    # FastAPI parses every application/*+json body as JSON, so each must pass the same guard (issue #20.8).
    created = httpx.post(f"{live_server.url}/api/conversations", json={"title": "clean"})
    assert created.status_code == 201, created.text
    conversation = created.json()["id"]
    nul = b'"a\\u0000b"'
    attempts = [
        ("POST", "/api/conversations", b'{"title": ' + nul + b"}"),
        ("PATCH", f"/api/conversations/{conversation}", b'{"title": ' + nul + b"}"),
        ("POST", f"/api/conversations/{conversation}/system", b'{"text": ' + nul + b"}"),
        ("POST", f"/api/conversations/{conversation}/messages", b'{"content": ' + nul + b"}"),
        ("POST", "/api/tokens", b'{"name": ' + nul + b"}"),
    ]
    for method, path, body in attempts:
        response = httpx.request(
            method, f"{live_server.url}{path}", content=body, headers={"Content-Type": content_type}
        )
        assert response.status_code == 422, (path, response.text)
        assert "NUL" in response.json()["error"]["message"]
    listed = httpx.get(f"{live_server.url}/api/conversations")
    fetched = httpx.get(f"{live_server.url}/api/conversations/{conversation}").text
    assert "\\u0000" not in listed.text + fetched
    assert [c["title"] for c in listed.json()["items"]] == ["clean"]


@pytest.mark.parametrize("content_type", ["application/jsonx", "text/plain", "text/json"])
def test_look_alike_json_types_are_refused(live_server: LiveServer, content_type: str) -> None:
    response = httpx.post(
        f"{live_server.url}/api/conversations",
        content=b'{"title": "x"}',
        headers={"Content-Type": content_type},
    )
    assert response.status_code == 415, response.text


def test_no_request_limit_by_default_so_an_agent_burst_is_served(
    make_settings: Callable[..., Settings],
) -> None:
    """A coding agent on the owner's token fires hundreds of calls within a minute; by default nothing
    throttles it (the old default, 600 a minute, answered 429 to most of such a burst)."""
    settings = make_settings(auth="password")
    assert settings.rate_limit_per_minute == 0
    live = start_server(create_app(settings))
    try:
        with httpx.Client(base_url=live.url, timeout=30) as client:
            client.post("/api/auth/setup", json={"username": "alice", "password": "admin-password-1"})
            token = client.post("/api/tokens", json={"name": "agent"}).json()["token"]
            headers = {"Authorization": f"Bearer {token}"}
            codes = {client.get("/v1/models", headers=headers).status_code for _ in range(650)}
        assert codes == {200}
    finally:
        live.stop()
