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


def _conversation_with_files(client: httpx.Client) -> tuple[str, bytes, bytes]:
    """A conversation with an attached photo and a generated picture; its id and the two files' bytes."""
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
    return (
        conversation["id"],
        client.get(f"/api/media/{attachment['id']}").content,
        client.get(f"/api/media/{drawn['images'][0]['id']}").content,
    )


def _check_restored(
    client: httpx.Client, conversation_id: str, photo_bytes: bytes, picture: bytes
) -> list[str]:
    """The imported conversation's messages name files of its own with the original bytes; their ids."""
    messages = client.get(f"/api/conversations/{conversation_id}/export?format=json").json()["messages"]
    user = next(m for m in messages if m["content"] == "where?")
    drawn = next(m for m in messages if (m.get("params") or {}).get("images"))
    photo_id = user["parts"][0]["media_id"]
    [picture_id] = drawn["params"]["images"]
    assert client.get(f"/api/media/{photo_id}").content == photo_bytes
    assert client.get(f"/api/media/{picture_id}").content == picture
    assert f"/api/media/{picture_id}" in drawn["content"]  # the picture's link follows it
    return [photo_id, picture_id]


def test_an_export_imported_again_brings_its_files_back(v1_app: V1App) -> None:
    with httpx.Client(base_url=v1_app.url, timeout=30) as client:
        original, photo_bytes, picture = _conversation_with_files(client)
        single = client.get(f"/api/conversations/{original}/export?format=json").content
        archive = client.get("/api/export").content

        # one conversation's JSON: the files are inline (base64)
        report = client.post("/api/import", files={"file": ("one.json", single)}).json()
        assert report["imported"] == 1, report
        imported = report["items"][0]["conversation_id"]
        ids = _check_restored(client, imported, photo_bytes, picture)
        assert set(ids).isdisjoint(
            _check_restored(client, original, photo_bytes, picture)
        )  # files of its own
        again = client.post("/api/import", files={"file": ("one.json", single)}).json()
        assert (again["imported"], again["duplicates"]) == (0, 1)

        # deleting the imported copy deletes its files and leaves the original's alone
        assert client.delete(f"/api/conversations/{imported}").status_code in (200, 204)
        assert all(client.get(f"/api/media/{i}").status_code == 404 for i in ids)
        _check_restored(client, original, photo_bytes, picture)

        # the zip of everything: the files come from its media/ members
        report = client.post("/api/import", files={"file": ("all.zip", archive)}).json()
        assert report["imported"] == 1, report
        _check_restored(client, report["items"][0]["conversation_id"], photo_bytes, picture)


def test_a_refused_or_missing_file_is_reported_and_the_text_still_imported(v1_app: V1App) -> None:
    with httpx.Client(base_url=v1_app.url, timeout=30) as client:
        original, _, _ = _conversation_with_files(client)
        document = client.get(f"/api/conversations/{original}/export?format=json").json()
        document["media"][0]["data_base64"] = base64.b64encode(b"<svg onload=alert(1)>").decode()
        del document["media"][1]["data_base64"]  # and no zip member to read it from
        report = client.post("/api/import", files={"file": ("one.json", orjson.dumps(document))}).json()
        assert report["imported"] == 1, report
        reason = report["items"][0]["reason"]
        assert "SVG and HTML files are not accepted" in reason, reason
        assert "not in the upload" in reason, reason
        imported = report["items"][0]["conversation_id"]
        messages = client.get(f"/api/conversations/{imported}/export?format=json").json()["messages"]
        assert any(m["content"] == "where?" for m in messages)
