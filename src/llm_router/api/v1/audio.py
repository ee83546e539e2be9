"""``POST /v1/audio/transcriptions`` (multipart) and ``POST /v1/audio/speech``: OpenAI's Audio API for
other clients, through the caller's keys; the provider's answer comes back as it was."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from llm_router.api.deps import ApiUser, CallerProviders, VoiceDep, valid_device_id
from llm_router.api.v1.call import json_response
from llm_router.providers.audio import MAX_SPEECH_CHARS, SPEECH_FORMATS
from llm_router.services.media.voice import Caller

router = APIRouter(prefix="/v1", tags=["openai-compatible"])


class SpeechBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model: str = Field(min_length=1, max_length=200)
    input: str = Field(min_length=1, max_length=MAX_SPEECH_CHARS)
    voice: str = Field(max_length=40)
    response_format: str = Field(default="mp3", pattern="^(mp3|opus|aac|flac|wav|pcm)$")
    instructions: str | None = Field(default=None, max_length=4096)
    speed: float | None = Field(default=None, ge=0.25, le=4.0)


def _caller(request: Request, principal: ApiUser) -> Caller:
    device = valid_device_id(request.headers.get("x-device-id"))
    return Caller(principal.user_id, "openai", api_token_id=principal.token_id, device_id=device)


@router.post("/audio/transcriptions", summary="OpenAI transcription (gpt-4o-mini-transcribe, whisper-1)")
async def audio_transcriptions(
    request: Request,
    principal: ApiUser,
    providers: CallerProviders,
    voice: VoiceDep,
    file: Annotated[UploadFile, File()],
    model: Annotated[str, Form(max_length=200)],
    language: Annotated[str | None, Form(max_length=10)] = None,
    prompt: Annotated[str | None, Form(max_length=4096)] = None,
    response_format: Annotated[str, Form(pattern="^(json|text)$")] = "json",
) -> Response:
    result = await voice.transcribe(
        _caller(request, principal),
        providers,
        model,
        await file.read(),
        file.filename or "audio",
        (file.content_type or "application/octet-stream").split(";")[0],
        language=language,
        prompt=prompt,
    )
    if response_format == "text":
        return Response(result.text + "\n", media_type="text/plain; charset=utf-8")
    return json_response(result.raw)


@router.post("/audio/speech", summary="OpenAI speech (gpt-4o-mini-tts, tts-1, tts-1-hd)")
async def audio_speech(
    request: Request, body: SpeechBody, principal: ApiUser, providers: CallerProviders, voice: VoiceDep
) -> Response:
    speech = await voice.speak(
        _caller(request, principal),
        providers,
        body.model,
        body.input,
        voice=body.voice,
        response_format=body.response_format,
        instructions=body.instructions,
        speed=body.speed,
    )
    return Response(speech.audio, media_type=SPEECH_FORMATS.get(body.response_format, speech.mime))
