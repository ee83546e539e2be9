"""How the built app is served: index.html revalidated (a new build shows at once), hashed assets
cached for good, and the strict Content-Security-Policy on the page."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.support.server import LiveServer


def test_index_is_revalidated_and_assets_are_immutable(live_server: LiveServer, web_build: Path) -> None:
    index = httpx.get(f"{live_server.url}/")
    assert index.status_code == 200
    assert index.headers["cache-control"] == "no-cache"
    assert "script-src 'self'" in index.headers["content-security-policy"]
    assert "<script>" not in index.text  # no inline script: the CSP would block it
    assert " style=" not in index.text
    asset = re.search(r'src="(/assets/[^"]+\.js)"', index.text)
    assert asset
    response = httpx.get(f"{live_server.url}{asset.group(1)}")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_text_assets_are_sent_gzipped_when_accepted(live_server: LiveServer, web_build: Path) -> None:
    index = httpx.get(f"{live_server.url}/", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in index.headers
    asset = re.search(r'src="(/assets/[^"]+\.js)"', index.text)
    assert asset
    plain = httpx.get(f"{live_server.url}{asset.group(1)}", headers={"accept-encoding": "identity"})
    zipped = httpx.get(f"{live_server.url}{asset.group(1)}", headers={"accept-encoding": "gzip, br"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert zipped.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert int(zipped.headers["content-length"]) < len(plain.content) / 2
    assert zipped.content == plain.content  # httpx decodes it: the same file
    page = httpx.get(f"{live_server.url}/", headers={"accept-encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip"
    assert "script-src 'self'" in page.headers["content-security-policy"]
