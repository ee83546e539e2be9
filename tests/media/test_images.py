"""Image generation: ``POST /v1/images/generations`` with the official SDK, ``POST /api/images/generate``
into a conversation, the stored files, and the cost of every call."""

from __future__ import annotations

import base64
import io

import httpx
import pytest
from openai import BadRequestError
from PIL import Image

from llm_router.services.media.store import UnsupportedMedia, reencode
from llm_router.testing import FakeProvider
from tests.support.v1 import V1App


def _png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image


def test_the_openai_sdk_generates_an_image_through_the_router(
    v1_app: V1App, fake_provider: FakeProvider
) -> None:
    result = v1_app.openai().images.generate(model="openai/dall-e-3", prompt="a lighthouse at dusk")
    assert len(result.data) == 1
    image = result.data[0]
    assert image.b64_json is not None
    assert _png(base64.b64decode(image.b64_json)).size == (16, 16)
    assert image.revised_prompt == "A detailed picture of a lighthouse at dusk"
    sent = [r for r in fake_provider.requests if r.path.endswith("/images/generations")]
    assert sent[-1].json["response_format"] == "b64_json"  # the router keeps the picture itself
    [row] = v1_app.wait_logs(1)
    assert (row["model"], row["source"], row["status"]) == ("dall-e-3", "openai", "ok")
    assert row["cost"] == pytest.approx(0.04)  # one standard 1024x1024 dall-e-3 image


def test_token_priced_models_get_no_response_format_and_their_usage_is_counted(
    v1_app: V1App, fake_provider: FakeProvider
) -> None:
    result = v1_app.openai().images.generate(model="gpt-image-1", prompt="two cats", n=2, quality="low")
    assert len(result.data) == 2
    assert result.data[0].b64_json != result.data[1].b64_json
    sent = [r for r in fake_provider.requests if r.path.endswith("/images/generations")][-1]
    assert "response_format" not in sent.json  # gpt-image models refuse the field
    [row] = v1_app.wait_logs(1)
    assert (row["tokens_in"], row["tokens_out"]) == (2, 544)
    assert row["cost"] == pytest.approx((2 * 5 + 544 * 40) / 1e6)


def test_a_url_answer_points_at_the_stored_image(v1_app: V1App) -> None:
    result = v1_app.openai().images.generate(model="gpt-image-1", prompt="a map", response_format="url")
    url = result.data[0].url
    assert url is not None
    assert "/api/media/" in url
    response = httpx.get(url, headers={"authorization": "Bearer no-token-needed"}, timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"
    _png(response.content)


def test_a_model_that_cannot_draw_is_refused_with_a_clear_message(v1_app: V1App) -> None:
    with pytest.raises(BadRequestError) as refused:
        v1_app.openai().images.generate(model="claude-haiku-4-5", prompt="a boat")
    assert "does not generate images" in str(refused.value)


def test_the_providers_own_refusal_reaches_the_client_in_openai_shape(v1_app: V1App) -> None:
    with pytest.raises(BadRequestError) as refused:
        v1_app.openai().images.generate(model="openai/dall-e-3", prompt="a boat", n=2)
    assert "n=1" in str(refused.value)
    [row] = v1_app.wait_logs(1)
    assert row["status"] == "error"


def test_an_image_joins_the_conversation_and_goes_with_it(v1_app: V1App) -> None:
    with httpx.Client(base_url=v1_app.url, timeout=30) as client:
        conversation = client.post("/api/conversations", json={}).json()
        response = client.post(
            "/api/images/generate",
            json={"prompt": "a red kite", "model": "openai/dall-e-3", "conversation_id": conversation["id"]},
        )
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["cost"] == pytest.approx(0.04)
        [image] = answer["images"]
        assert image["revised_prompt"] == "A detailed picture of a red kite"
        opened = client.get(f"/api/conversations/{conversation['id']}").json()
        user, assistant = opened["messages"][-2:]
        assert user["content"] == "/image a red kite"
        assert f"/api/media/{image['id']}" in assistant["content"]
        assert assistant["cost"] == pytest.approx(0.04)
        assert assistant["params"]["images"] == [image["id"]]
        files = list((v1_app.settings.data_dir / "media").rglob("*.png"))
        assert len(files) == 1
        assert client.delete(f"/api/conversations/{conversation['id']}").status_code == 204
        assert client.get(image["url"]).status_code == 404
        assert not files[0].exists()


def test_stored_images_lose_their_metadata_and_non_images_are_refused() -> None:
    photo = Image.new("RGB", (40, 30), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    exif[0x8825] = {2: (48.0, 51.0, 24.0)}  # GPS
    raw = io.BytesIO()
    photo.save(raw, format="JPEG", exif=exif)
    assert b"CameraMaker" in raw.getvalue()
    clean = reencode(raw.getvalue())
    assert (clean.mime, clean.width, clean.height) == ("image/jpeg", 40, 30)
    assert b"CameraMaker" not in clean.data
    assert not Image.open(io.BytesIO(clean.data)).getexif()
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    html = b"<html><body><script>alert(1)</script></body></html>"  # an HTML file named .png
    for data in (svg, html):
        with pytest.raises(UnsupportedMedia):
            reencode(data)


def test_a_providers_refusal_in_the_web_app_is_a_clear_error_not_a_500(v1_app: V1App) -> None:
    response = httpx.post(
        f"{v1_app.url}/api/images/generate",
        json={"prompt": "a boat", "model": "openai/dall-e-3", "size": "3x3"},
        timeout=30,
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "bad_request"
    assert "Supported values are: 1024x1024" in error["message"]
