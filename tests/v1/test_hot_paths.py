"""``HotPaths`` (``api/v1/hot.py``) serves only what the documented app serves: it refuses to start
when a hot path has no FastAPI route (the one OpenAPI shows), and leaves every other request to it."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from llm_router.api.v1.hot import ENDPOINTS, HotPaths
from llm_router.api.v1.router import router


async def _inner(scope: Scope, receive: Receive, send: Send) -> None:
    scope["reached"] = True


def test_refuses_to_start_without_the_documented_routes() -> None:
    with pytest.raises(RuntimeError, match="no FastAPI route"):
        HotPaths(_inner, fastapi=FastAPI())


async def test_leaves_other_methods_and_paths_to_the_app() -> None:
    app = FastAPI()
    app.include_router(router)
    hot = HotPaths(_inner, fastapi=app)
    assert set(hot.routes) == set(ENDPOINTS)
    for method, path in (("GET", "/v1/chat/completions"), ("POST", "/v1/embeddings"), ("POST", "/api/x")):
        scope: Scope = {"type": "http", "method": method, "path": path}
        await hot(scope, _no_receive, _no_send)
        assert scope.get("reached") is True, (method, path)


async def _no_receive() -> dict[str, str]:
    raise AssertionError("not read")


async def _no_send(message: object) -> None:
    raise AssertionError("not sent")
