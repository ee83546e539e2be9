"""The fake provider refuses malformed image and document parts as the real APIs do (400 in each
protocol's shape), so a router that builds them wrong fails its tests."""

from __future__ import annotations

import base64
import io
from typing import Any

import anthropic
import openai
import pytest
from PIL import Image

from llm_router.testing import FakeProvider


def png() -> str:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (1, 2, 3)).save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode()


@pytest.mark.parametrize(
    ("part", "message"),
    [
        (
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
            "unsupported image",
        ),
        (
            {"type": "image_url", "image_url": {"url": "data:image/svg+xml;base64,PHN2Zz4="}},
            "Invalid image URL",
        ),
        ({"type": "image_url", "image_url": {}}, "image_url.url"),
        (
            {
                "type": "file",
                "file": {"file_data": "data:application/pdf;base64,aGVsbG8=", "filename": "a.pdf"},
            },
            "not a valid PDF",
        ),
    ],
)
def test_openai_refuses_malformed_parts(
    fake_provider: FakeProvider, part: dict[str, Any], message: str
) -> None:
    client = openai.OpenAI(base_url=fake_provider.openai_base_url, api_key="sk-fake", max_retries=0)
    with pytest.raises(openai.BadRequestError) as refused:
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": [{"type": "text", "text": "?"}, part]}],  # type: ignore[list-item]
        )
    assert message in str(refused.value)


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (
            {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": png()}},
            "does not match the provided media type",
        ),
        (
            {
                "type": "image",
                "source": {
                    "type": "base64",
                    "media_type": "image/png",
                    "data": f"data:image/png;base64,{png()}",
                },
            },
            "without 'data:'",
        ),
        (
            {"type": "image", "source": {"type": "base64", "media_type": "image/svg+xml", "data": png()}},
            "media_type",
        ),
        (
            {
                "type": "document",
                "source": {"type": "base64", "media_type": "application/pdf", "data": png()},
            },
            "PDF specified was not valid",
        ),
    ],
)
def test_anthropic_refuses_malformed_blocks(
    fake_provider: FakeProvider, block: dict[str, Any], message: str
) -> None:
    client = anthropic.Anthropic(base_url=fake_provider.anthropic_base_url, api_key="sk-fake", max_retries=0)
    with pytest.raises(anthropic.BadRequestError) as refused:
        client.messages.create(
            model="claude-haiku-4-5",
            max_tokens=5,
            messages=[{"role": "user", "content": [block]}],  # type: ignore[list-item]
        )
    assert message in str(refused.value)


def test_well_formed_parts_are_recorded(fake_provider: FakeProvider) -> None:
    client = anthropic.Anthropic(base_url=fake_provider.anthropic_base_url, api_key="sk-fake", max_retries=0)
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": png()}}
    client.messages.create(
        model="claude-haiku-4-5", max_tokens=5, messages=[{"role": "user", "content": [image]}]
    )  # type: ignore[list-item]
    assert fake_provider.requests[-1].images == [f"data:image/png;base64,{png()}"]
