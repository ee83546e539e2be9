"""The app's icons are rendered at build time from the one SVG (``frontend/build/icons.ts``): real PNGs
of the sizes the manifest and ``index.html`` name, served by the app; the maskable and Apple icons are
full-bleed (opaque to the corners), the plain ones keep the drawing's rounded corners."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

import httpx
import pytest
from PIL import Image

from llm_router.api.app import create_app
from llm_router.core.settings import Settings
from llm_router.web import WEB_DIST
from tests.support.server import LiveServer


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def server(make_settings: Callable[..., Settings]) -> Iterator[LiveServer]:
    if not (WEB_DIST / "icon-192.png").is_file():
        pytest.fail("the web app is not built: ./scripts/test builds it (or npm run build in frontend/)")
    server = LiveServer(create_app(make_settings())).start()
    yield server
    server.stop()


def png(url: str) -> Image.Image:
    response = httpx.get(url)
    assert response.status_code == 200, url
    assert response.headers["content-type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(response.content))
    image.load()  # a truncated or corrupt file fails here
    assert image.format == "PNG"
    return image.convert("RGBA")


def test_manifest_icons_are_real_pngs_of_their_sizes(server: LiveServer) -> None:
    manifest = httpx.get(f"{server.url}/manifest.webmanifest").json()
    pngs = [icon for icon in manifest["icons"] if icon["type"] == "image/png"]
    assert {(icon["sizes"], icon["purpose"]) for icon in pngs} == {
        ("192x192", "any"),
        ("512x512", "any"),
        ("512x512", "maskable"),
    }
    for icon in pngs:
        image = png(server.url + icon["src"])
        width, height = (int(n) for n in icon["sizes"].split("x"))
        assert image.size == (width, height), icon
        corner_alpha = image.getpixel((0, 0))[3]  # type: ignore[index]
        centre = image.getpixel((width // 2, height // 2))
        assert centre[3] == 255  # type: ignore[index]
        if icon["purpose"] == "maskable":
            assert corner_alpha == 255, "a maskable icon must fill its square"
        else:
            assert corner_alpha == 0, "the plain icon keeps the drawing's rounded corners"


def test_apple_touch_icon_is_linked_served_and_opaque(server: LiveServer) -> None:
    assert '<link rel="apple-touch-icon" href="/apple-touch-icon.png"' in httpx.get(f"{server.url}/").text
    image = png(f"{server.url}/apple-touch-icon.png")
    assert image.size == (180, 180)
    assert image.getextrema()[3] == (255, 255)  # no transparency anywhere: iOS would fill it black
