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
