"""Photos in the web chat: a phone-camera JPEG picked in the composer is downscaled by the browser before
upload, shown as a thumbnail, and reaches an OpenAI- and an Anthropic-protocol upstream as an image part
without EXIF; a model that cannot see is refused before anything is uploaded; ``/image`` completes the
options the image model takes and shows the picture. At 390×844 (touch) and 1440×900."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from PIL import Image
from playwright.sync_api import Page, Request, expect

from llm_router.testing import FakeProvider
from tests.browser.conftest import DESKTOP, PHONE, PageFactory, screenshot
from tests.browser.helpers import assistant, send, wait_complete

pytestmark = pytest.mark.browser


@pytest.fixture
def server_overrides(fake_provider: FakeProvider, tmp_path: Path) -> dict[str, object]:
    """Besides OpenAI (from the environment), Claude at the same fake server."""
    path = tmp_path / "providers.yaml"
    anthropic = {
        "name": "anthropic",
        "protocol": "anthropic",
        "base_url": fake_provider.anthropic_base_url,
        "api_key": "sk-ant-fake",
        "models": ["claude-sonnet-4-5"],  # a Claude the OpenAI fake does not list
    }
    path.write_text(yaml.safe_dump({"providers": [anthropic]}))
    # the server's own cap above a phone photo's size: what is stored is what the browser made
    return {"providers_file": path, "media_max_image_side": 4096}


def camera_photo(path: Path) -> Path:
    photo = Image.linear_gradient("L").resize((4032, 3024)).convert("RGB")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
    photo.save(path, format="JPEG", quality=85, exif=exif)
    return path


def uploaded_image(page: Page, request: Request) -> Image.Image:
    """The image a ``POST /api/media`` stored, as the browser sent it (the server keeps up to 4096 px)."""
    response = request.response()
    assert response is not None
    return Image.open(io.BytesIO(page.request.get(response.json()["url"]).body()))


def chat_requests(fake: FakeProvider) -> list[Any]:
    return [
        r
        for r in fake.requests
        if r.path.endswith(("/chat/completions", "/messages"))
        and "Write a title of at most" not in str(r.json)
    ]


def image_sent(fake: FakeProvider) -> Image.Image:
    content = chat_requests(fake)[-1].json["messages"][-1]["content"]
    part = next(p for p in content if p["type"] in ("image_url", "image"))
    data = (
        part["image_url"]["url"].partition(",")[2] if part["type"] == "image_url" else part["source"]["data"]
    )
    return Image.open(io.BytesIO(base64.b64decode(data)))


def attach(page: Page, photo: Path) -> Request:
    with page.expect_request(lambda r: r.url.endswith("/api/media") and r.method == "POST") as upload:
        page.locator('input[type=file][aria-label="attach files"]').set_input_files(str(photo))
    expect(page.locator('.chip[data-state="ready"]')).to_have_count(1, timeout=20_000)
    return upload.value


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_camera_photo_is_downscaled_in_the_browser_and_reaches_both_protocols(
    pages: PageFactory, fake_provider: FakeProvider, tmp_path: Path, viewport: dict[str, int]
) -> None:
    size = "phone" if viewport is PHONE else "desktop"
    page = pages.new(viewport)
    photo = camera_photo(tmp_path / "IMG_2041.jpg")
    clip = page.get_by_role("button", name=re.compile("attach a photo"))
    expect(clip).to_be_visible()
    assert page.locator('input[type=file][capture="environment"]').count() == 1
    if viewport is PHONE:
        # one paperclip for both (three tool buttons left the text field too narrow): a menu offers
        # the camera, and the text field keeps most of the row
        clip.click()
        expect(page.get_by_role("menuitem", name="take a photo")).to_be_visible()
        expect(page.get_by_role("menuitem", name="photo or file")).to_be_visible()
        screenshot(page, "17-attach-menu-phone")
        page.keyboard.press("Escape")
        expect(page.get_by_role("menuitem", name="take a photo")).to_have_count(0)
        field = page.get_by_label("message", exact=True).bounding_box()
        assert field is not None
        assert field["width"] >= 180  # ~20 characters of 17 px Ubuntu Mono (it was 142 px)
    else:
        expect(page.get_by_role("button", name="take a photo")).to_have_count(0)

    send(page, "/model gpt-4o-mini")
    upload = attach(page, photo)
    sent_by_browser = uploaded_image(page, upload)
    assert (sent_by_browser.format, sent_by_browser.size) == ("JPEG", (2048, 1536))  # not 4032×3024
    assert not sent_by_browser.getexif()
    screenshot(page, f"17-attachment-chip-{size}")
    send(page, "what is in this photo?")
    expect(page.locator("article.msg-assistant")).to_have_count(1)
    wait_complete(assistant(page))
    thumb = page.locator("article.msg-user img.thumb").last
    expect(thumb).to_be_visible()
    assert thumb.evaluate("img => img.complete && img.naturalWidth") == 2048
    openai_image = image_sent(fake_provider)
    assert openai_image.size == (2048, 1536)
    assert not openai_image.getexif()
    screenshot(page, f"17-attachment-sent-{size}")

    send(page, "/model claude-sonnet-4-5")
    expect(page.locator(".sl-model")).to_have_text("claude-sonnet-4-5")
    upload = attach(page, photo)
    assert uploaded_image(page, upload).size == (1568, 1176)  # Claude's useful size, chosen in the browser
    send(page, "and now?")
    expect(page.locator("article.msg-assistant")).to_have_count(2)
    wait_complete(assistant(page))
    request = chat_requests(fake_provider)[-1]
    assert request.path == "/v1/messages", [(r.path, r.model) for r in fake_provider.requests]
    claude_image = image_sent(fake_provider)
    assert (claude_image.format, claude_image.size) == ("JPEG", (1568, 1176))
    assert not claude_image.getexif()


def test_a_model_that_cannot_see_is_refused_before_anything_is_uploaded(
    pages: PageFactory, fake_provider: FakeProvider, tmp_path: Path
) -> None:
    page = pages.new(PHONE)
    send(page, "/model o3-mini")
    expect(page.locator(".sl-model")).to_have_text("o3-mini")
    uploads: list[str] = []
    page.on("request", lambda r: uploads.append(r.url) if r.url.endswith("/api/media") else None)
    page.locator('input[type=file][aria-label="attach files"]').set_input_files(
        str(camera_photo(tmp_path / "IMG_2042.jpg"))
    )
    notice = page.locator(".composer .notice")
    expect(notice).to_contain_text("o3-mini cannot see images")
    expect(notice).to_contain_text("/model gpt-")
    expect(page.locator(".chip")).to_have_count(0)
    assert uploads == []
    assert chat_requests(fake_provider) == []
    screenshot(page, "17-attachment-refused-phone")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_image_command_completes_options_and_shows_the_picture(
    pages: PageFactory, fake_provider: FakeProvider, viewport: dict[str, int]
) -> None:
    size = "phone" if viewport is PHONE else "desktop"
    page = pages.new(viewport)
    prompt = page.get_by_label("message", exact=True)
    popup = page.locator("#command-popup")
    page.wait_for_function("() => document.querySelector('.tools .attach') !== null")  # the chunk is in

    prompt.press_sequentially("/image a red kite size=")  # gpt-image-1: the catalog's image model
    expect(popup).to_be_visible()
    expect(popup.locator(".popup-item .label")).to_have_text(["auto", "1024x1024", "1536x1024", "1024x1536"])
    screenshot(page, f"17-image-options-{size}")
    popup.locator(".popup-item", has_text="1536x1024").click()
    expect(prompt).to_have_value("/image a red kite size=1536x1024 ")
    prompt.press_sequentially("quality=ultra")
    prompt.press("Enter")
    expect(page.locator(".composer .notice")).to_contain_text(
        "quality must be one of: auto, low, medium, high"
    )

    prompt.fill("/image a red kite size=1536x1024 quality=low n=2")
    prompt.press("Enter")
    pictures = page.locator("article.msg-assistant img.thumb")
    expect(pictures).to_have_count(2, timeout=20_000)
    expect(pictures.first).to_be_visible()
    first = pictures.first.element_handle()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=first)  # loading="lazy"
    assert first.evaluate("img => img.naturalWidth") == 16
    expect(page.locator("article.msg-user").last).to_contain_text("/image a red kite")
    [call] = [r for r in fake_provider.requests if r.path.endswith("/images/generations")]
    assert (call.json["model"], call.json["size"], call.json["quality"], call.json["n"]) == (
        "gpt-image-1",
        "1536x1024",
        "low",
        2,
    )
    usage = page.request.get("/api/logs", params={"source": "images"}).json()
    assert [row["model"] for row in usage["items"]] == ["gpt-image-1"]
    screenshot(page, f"17-image-message-{size}")
