"""Serves the built web app at ``/`` (a placeholder page until it is built)."""

from __future__ import annotations

import os
from mimetypes import guess_type
from os import PathLike

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import FileResponse, Response
from starlette.types import Scope

from llm_router.web import WEB_DIST

router = APIRouter(include_in_schema=False)

PLACEHOLDER = """<!doctype html><html><head><meta charset="utf-8"><title>llm-router</title></head>
<body>
<pre>llm-router is running. The web app has not been built: run `npm run build` in frontend/.</pre>
</body></html>"""


class WebFiles(StaticFiles):
    """The build's files with cache headers: hashed ``assets/`` never change (cache for a year); every
    other file, ``index.html`` above all, is revalidated so a new build is picked up at once. Text files
    go out gzipped when the browser accepts it, from the ``.gz`` the build wrote beside them."""

    def file_response(
        self,
        full_path: PathLike[str] | str,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        gz = f"{os.fspath(full_path)}.gz"
        if accepts_gzip(scope) and os.path.isfile(gz):
            media_type = guess_type(os.fspath(full_path))[0] or "application/octet-stream"
            response: Response = FileResponse(gz, status_code=status_code, media_type=media_type)
            response.headers["content-encoding"] = "gzip"
        else:
            response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["vary"] = "accept-encoding"
        immutable = scope["path"].startswith("/assets/")
        response.headers["cache-control"] = "public, max-age=31536000, immutable" if immutable else "no-cache"
        return response


def accepts_gzip(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"accept-encoding":
            return b"gzip" in value.lower()
    return False


def mount_web(app: FastAPI) -> None:
    index = WEB_DIST / "index.html"
    if index.is_file():
        app.mount("/", WebFiles(directory=WEB_DIST, html=True), name="web")
        return

    @router.get("/")
    async def placeholder() -> HTMLResponse:
        return HTMLResponse(PLACEHOLDER)

    app.include_router(router)
