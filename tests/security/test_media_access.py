"""A stored image is its owner's alone: anyone else gets the same 404 as for an id that never existed."""

from __future__ import annotations

import httpx

from llm_router.testing import FakeProvider


def test_another_user_cannot_fetch_an_image(
    admin: httpx.Client, bob: httpx.Client, fake_provider: FakeProvider
) -> None:
    response = admin.post("/api/images/generate", json={"prompt": "a secret garden", "model": "gpt-image-1"})
    assert response.status_code == 200, response.text
    url = response.json()["images"][0]["url"]
    assert admin.get(url).status_code == 200
    assert bob.get(url).status_code == 404
    assert bob.get(url).json() == bob.get("/api/media/00000000000000000000000000000000").json()
    assert httpx.get(f"{admin.base_url}{url}", timeout=10).status_code == 401


def test_another_user_cannot_fetch_or_send_an_attachment(
    admin: httpx.Client, bob: httpx.Client, fake_provider: FakeProvider
) -> None:
    response = admin.post("/api/media", files={"file": ("notes.txt", b"my private notes")})
    assert response.status_code == 201, response.text
    attachment = response.json()
    assert admin.get(attachment["url"]).text == "my private notes"
    assert admin.get(attachment["url"]).headers["x-content-type-options"] == "nosniff"
    assert bob.get(attachment["url"]).status_code == 404
    conversation = bob.post("/api/conversations", json={}).json()
    stolen = bob.post(
        f"/api/conversations/{conversation['id']}/messages",
        json={"content": "read this", "attachments": [{"id": attachment["id"]}]},
    )
    assert stolen.status_code == 404  # naming another user's file in a message finds nothing either
