"""Exports carry the files: a conversation's JSON holds its attachments and generated pictures inline,
the zip of everything holds each file once under ``media/``, named in the JSON by id and file."""

from __future__ import annotations

import base64
import io
import zipfile

import httpx
import orjson
from PIL import Image

from tests.support.chat import wait_final
from tests.support.v1 import OPENAI_MODEL, V1App


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), (10, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


def test_exports_include_attachments_and_generated_images(v1_app: V1App) -> None:
    with httpx.Client(base_url=v1_app.url, timeout=30) as client:
        conversation = client.post("/api/conversations", json={}).json()
        attachment = client.post("/api/media", files={"file": ("beach.jpg", photo())}).json()
        sent = client.post(
            f"/api/conversations/{conversation['id']}/messages",
            json={"content": "where?", "model": OPENAI_MODEL, "attachments": [{"id": attachment["id"]}]},
        ).json()
        wait_final(client, sent["assistant_message"]["id"])
        drawn = client.post(
            "/api/images/generate",
            json={"prompt": "a kite", "model": "gpt-image-1", "conversation_id": conversation["id"]},
        ).json()
        picture = drawn["images"][0]

        exported = client.get(f"/api/conversations/{conversation['id']}/export?format=json").json()
        media = {m["id"]: m for m in exported["media"]}
        assert set(media) == {attachment["id"], picture["id"]}
        for media_id, entry in media.items():
            assert base64.b64decode(entry["data_base64"]) == client.get(f"/api/media/{media_id}").content
        assert media[attachment["id"]]["file"].endswith(".jpg")
        assert media[picture["id"]]["source"] == "generated"
        user = next(m for m in exported["messages"] if m["content"] == "where?")
        assert user["parts"][0]["media_id"] == attachment["id"]

        archive = zipfile.ZipFile(io.BytesIO(client.get("/api/export").content))
        document = orjson.loads(archive.read(f"conversations/{conversation['id']}.json"))
        for entry in document["media"]:
            assert archive.read(entry["file"]) == client.get(f"/api/media/{entry['id']}").content
        assert sorted(n for n in archive.namelist() if n.startswith("media/")) == sorted(
            e["file"] for e in document["media"]
        )
