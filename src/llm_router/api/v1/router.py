"""The ``/v1`` gateway's routes, one router for the app to include."""

from __future__ import annotations

from fastapi import APIRouter

from llm_router.api.v1 import anthropic, audio, images, openai, openai_raw, responses

router = APIRouter()
router.include_router(openai.router)
router.include_router(openai_raw.router)
router.include_router(anthropic.router)
router.include_router(responses.router)
router.include_router(images.router)
router.include_router(audio.router)
