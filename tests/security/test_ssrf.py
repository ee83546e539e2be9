"""SSRF: custom base URLs cannot reach metadata, loopback or private addresses unless allowlisted —
checked when saved and again at connect time (after DNS), with redirects never followed."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
import httpx2
import pytest

from llm_router.core.errors import AppError
from llm_router.providers.config import Timeouts
from llm_router.providers.upstream import Upstream
from llm_router.services.keys.ssrf import AddressPolicy, BlockedAddress, check_base_url, normalize_ip
from llm_router.services.keys.ssrf_client import ConnectGuard, guarded_client

NOTHING_ALLOWED = AddressPolicy()
REFUSED_URLS = [
    "http://169.254.169.254/latest/meta-data/",
    "http://[::ffff:a9fe:a9fe]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[fd00:ec2::254]/",
    "http://0x7f000001/",
    "http://2130706433/",
    "http://127.1/",
    "http://0177.0.0.1/",
    "http://127.0.0.1:11434/",
    "http://localhost/",
    "http://[::1]/",
    "http://0.0.0.0/",
    "http://10.1.2.3/",
    "http://192.168.1.10/",
    "http://100.64.0.1/",
    "http://[fe80::1]/",
    "file:///etc/passwd",
    "gopher://127.0.0.1:6379/_INFO",
    "ftp://example.com/",
    "http://user:pass@example.com/",
    "http://example.com@127.0.0.1/",
    "http://api.openai.com@169.254.169.254/",
    "javascript:alert(1)",
    "http:///nohost",
]


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_refused_at_save_time(url: str) -> None:
    with pytest.raises(AppError) as raised:
        asyncio.run(check_base_url(url, NOTHING_ALLOWED))
    assert raised.value.status_code == 422
    assert raised.value.message


@pytest.mark.parametrize(
    ("spelling", "address"),
    [
        ("0x7f000001", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("[::ffff:a9fe:a9fe]", "169.254.169.254"),
        ("::ffff:127.0.0.1", "127.0.0.1"),
        ("2002:a9fe:a9fe::", "169.254.169.254"),  # 6to4
        ("64:ff9b::a9fe:a9fe", "169.254.169.254"),  # NAT64
        ("example.com", None),
        ("1e100.net", None),
    ],
)
def test_odd_spellings_are_normalized(spelling: str, address: str | None) -> None:
    ip = normalize_ip(spelling)
    assert (str(ip) if ip else None) == address


def test_allowlist_opens_private_hosts_but_never_metadata() -> None:
    policy = AddressPolicy.from_entries(["192.168.1.0/24", "ollama.lan", "127.0.0.1"])
    assert (
        asyncio.run(check_base_url("http://192.168.1.10:11434/v1", policy)) == "http://192.168.1.10:11434/v1"
    )
    assert asyncio.run(check_base_url("http://127.0.0.1:8080", policy)) == "http://127.0.0.1:8080"
    with pytest.raises(BlockedAddress):
        asyncio.run(check_base_url("http://192.168.2.1/", policy))
    everything = AddressPolicy.from_entries(["0.0.0.0/0", "::/0"])
    for metadata in ("http://169.254.169.254/", "http://[fd00:ec2::254]/", "http://[::ffff:a9fe:a9fe]/"):
        with pytest.raises(BlockedAddress, match="never allowed"):
            asyncio.run(check_base_url(metadata, everything))


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ok": true}')

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.do_GET()

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


@pytest.fixture
def local_http() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _get(policy: AddressPolicy, url: str, follow: bool = False) -> httpx2.Response:
    async def run() -> httpx2.Response:
        async with guarded_client(policy) as client:
            return await client.get(url, follow_redirects=follow)

    return asyncio.run(run())


def test_connect_time_check_refuses_loopback_unless_allowlisted(local_http: str) -> None:
    with pytest.raises(httpx2.ConnectError, match="LLM_ROUTER_ALLOWED_PRIVATE_HOSTS"):
        _get(NOTHING_ALLOWED, f"{local_http}/")
    # "localhost" resolves to loopback: the check is on the resolved address, not the name.
    port = local_http.rsplit(":", 1)[1]
    with pytest.raises(httpx2.ConnectError):
        _get(NOTHING_ALLOWED, f"http://localhost:{port}/")
    allowed = AddressPolicy.from_entries(["127.0.0.1"])
    assert _get(allowed, f"{local_http}/").json() == {"ok": True}


def test_redirect_to_an_internal_host_is_not_followed(local_http: str) -> None:
    allowed = AddressPolicy.from_entries(["127.0.0.1"])
    response = _get(allowed, f"{local_http}/redirect")
    assert response.status_code == 302  # handed back, not followed
    # Even a caller that asks to follow cannot reach the metadata address: the connection is refused.
    with pytest.raises(httpx2.ConnectError, match="never allowed"):
        _get(allowed, f"{local_http}/redirect", follow=True)


def test_key_test_against_a_redirecting_endpoint_reports_without_following(
    admin: httpx.Client, local_http: str
) -> None:
    created = admin.post(
        "/api/keys",
        json={
            "name": "redir",
            "protocol": "openai",
            "base_url": f"{local_http}/redirect",
            "api_key": "sk-x-0000000000",
        },
    )
    assert created.status_code == 201, created.text
    result = admin.post(f"/api/keys/{created.json()['id']}/test").json()
    assert result["ok"] is False
    assert "redirect" in result["message"]


@pytest.mark.parametrize(
    "url",
    ["http://169.254.169.254/v1", "http://[::ffff:a9fe:a9fe]/v1", "gopher://x/", "http://a:b@example.com/"],
)
def test_the_keys_api_refuses_bad_urls_with_a_message(admin: httpx.Client, url: str) -> None:
    response = admin.post(
        "/api/keys", json={"name": "bad", "protocol": "openai", "base_url": url, "api_key": "sk-1234567890ab"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["message"]


# ---------------------------------------------------------------- the hot path's client (aiohttp)


def _post(policy: AddressPolicy, url: str) -> tuple[int, bytes]:
    """One call through the pool a user-entered endpoint's adapter gets (``Upstream`` + ``ConnectGuard``)."""

    async def run() -> tuple[int, bytes]:
        upstream = Upstream(Timeouts(connect=5, read=5), ConnectGuard(policy))
        try:
            response = await upstream.post(url, b"{}", {"Content-Type": "application/json"})
            try:
                return response.status, await response.read()
            finally:
                response.close()
        finally:
            await upstream.aclose()

    return asyncio.run(run())


# what gets past the save-time form check and must be stopped when connecting
CONNECT_REFUSED = [
    u for u in REFUSED_URLS if u.startswith("http://") and "@" not in u and u != "http:///nohost"
]


@pytest.mark.parametrize("url", CONNECT_REFUSED)
def test_the_hot_path_refuses_what_the_policy_refuses(url: str) -> None:
    with pytest.raises(httpx2.ConnectError, match=r"LLM_ROUTER_ALLOWED_PRIVATE_HOSTS|never allowed"):
        _post(NOTHING_ALLOWED, url)


def test_the_hot_path_checks_the_resolved_address_and_honours_the_allowlist(local_http: str) -> None:
    port = local_http.rsplit(":", 1)[1]
    # a name (asked through the pool's resolver) and a literal (checked before the call) alike
    for url in (f"http://localhost:{port}/", f"{local_http}/"):
        with pytest.raises(httpx2.ConnectError, match="LLM_ROUTER_ALLOWED_PRIVATE_HOSTS"):
            _post(NOTHING_ALLOWED, url)
    allowed = AddressPolicy.from_entries(["127.0.0.1", "localhost"])
    assert _post(allowed, f"{local_http}/") == (200, b'{"ok": true}')
    assert _post(allowed, f"http://localhost:{port}/") == (200, b'{"ok": true}')


def test_the_hot_path_hands_a_redirect_back(local_http: str) -> None:
    allowed = AddressPolicy.from_entries(["127.0.0.1"])
    status, _ = _post(allowed, f"{local_http}/redirect")
    assert status == 302  # not followed to the metadata address it points at
