"""Serves the built web app at ``/`` (a placeholder page until it is built)."""

from __future__ import annotations

import os
from os import PathLike

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

from llm_router.web import WEB_DIST

router = APIRouter(include_in_schema=False)

PLACEHOLDER = """<!doctype html><html><head><meta charset="utf-8"><title>llm-router</title></head>
<body>
<pre>llm-router is running. The web app has not been built: run `npm run build` in frontend/.</pre>
</body></html>"""


class WebFiles(StaticFiles):
    """The build's files with cache headers: hashed ``assets/`` never change (cache for a year); every
    other file, ``index.html`` above all, is revalidated so a new build is picked up at once."""

    def file_response(
        self,
        full_path: PathLike[str] | str,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        immutable = scope["path"].startswith("/assets/")
        response.headers["cache-control"] = "public, max-age=31536000, immutable" if immutable else "no-cache"
        return response


def mount_web(app: FastAPI) -> None:
    index = WEB_DIST / "index.html"
    if index.is_file():
        app.mount("/", WebFiles(directory=WEB_DIST, html=True), name="web")
        return

    @router.get("/")
    async def placeholder() -> HTMLResponse:
        return HTMLResponse(PLACEHOLDER)

    app.include_router(router)
