"""``/api/audio/*``: the web app's dictation (speech to text) and read-aloud (text to speech), through
the user's own keys; each call is a usage row (source ``audio``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from llm_router.api.deps import CurrentUser, DeviceId, UserProvidersDep, VoiceDep
from llm_router.core.errors import AppError
from llm_router.providers.audio import MAX_SPEECH_CHARS, SPEECH_FORMATS
from llm_router.services.media.voice import Caller

router = APIRouter(prefix="/api/audio", tags=["audio"])

AUDIO_TYPES = ("audio/", "video/webm", "video/mp4", "application/octet-stream")


class TranscriptPublic(BaseModel):
    text: str
    model: str
    seconds: float | None
    cost: float | None


class SpeechRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=MAX_SPEECH_CHARS * 8)
    model: str | None = Field(default=None, max_length=200, description="default gpt-4o-mini-tts, else tts-1")
    voice: str = Field(default="alloy", max_length=20)
    format: str = Field(default="mp3", pattern="^(mp3|opus|aac|flac|wav)$")


@router.post(
    "/transcriptions",
    summary="Dictation: an audio file to text (gpt-4o-mini-transcribe, else whisper-1)",
    responses={413: {"description": "Over 25 MB"}, 415: {"description": "Not audio"}},
)
async def transcribe_audio(
    user: CurrentUser,
    voice: VoiceDep,
    user_providers: UserProvidersDep,
    device_id: DeviceId,
    file: Annotated[UploadFile, File()],
    model: Annotated[str | None, Form(max_length=200)] = None,
    language: Annotated[str | None, Form(pattern=r"^[a-z]{2,3}$")] = None,
) -> TranscriptPublic:
    content_type = (file.content_type or "application/octet-stream").split(";")[0]
    if not content_type.startswith(AUDIO_TYPES):
        raise AppError(
            f"{file.filename or 'the file'} is not audio ({content_type})", code="unsupported_media"
        )
    audio = await file.read()
    if not audio:
        raise AppError("the recording is empty: hold the microphone button a little longer")
    result = await voice.transcribe(
        _caller(user.id, device_id),
        await user_providers.for_user(user.id),
        model,
        audio,
        file.filename or "speech.webm",
        content_type,
        language=language,
    )
    return TranscriptPublic(text=result.text, model=model or "", seconds=result.seconds, cost=result.cost)


@router.post(
    "/speech",
    summary="Read aloud: text to audio (gpt-4o-mini-tts, else tts-1); long text is cut at 4096 characters",
    response_class=Response,
    responses={200: {"content": {"audio/mpeg": {}}}},
)
async def speak_text(
    body: SpeechRequest,
    user: CurrentUser,
    voice: VoiceDep,
    user_providers: UserProvidersDep,
    device_id: DeviceId,
) -> Response:
    text = body.text[:MAX_SPEECH_CHARS]
    speech = await voice.speak(
        _caller(user.id, device_id),
        await user_providers.for_user(user.id),
        body.model,
        text,
        voice=body.voice,
        response_format=body.format,
    )
    return Response(
        speech.audio,
        media_type=SPEECH_FORMATS.get(body.format, speech.mime),
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )


def _caller(owner_id: str, device_id: str | None) -> Caller:
    return Caller(owner_id, "audio", device_id=device_id)
