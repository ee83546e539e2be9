"""Serves the built web app at ``/`` (a placeholder page until it is built)."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from llm_router.web import WEB_DIST

router = APIRouter(include_in_schema=False)

PLACEHOLDER = """<!doctype html><html><head><meta charset="utf-8"><title>llm-router</title></head>
<body style="background:#1a1b26;color:#c0caf5;font-family:monospace;padding:2rem">
<pre>llm-router is running. The web app has not been built: run `npm run build` in frontend/.</pre>
</body></html>"""


def mount_web(app: FastAPI) -> None:
    index = WEB_DIST / "index.html"
    if index.is_file():
        app.mount("/", StaticFiles(directory=WEB_DIST, html=True), name="web")
        return

    @router.get("/")
    async def placeholder() -> HTMLResponse:
        return HTMLResponse(PLACEHOLDER)

    app.include_router(router)
