"""Speech on OpenAI-protocol providers: transcription (``/audio/transcriptions``, multipart) and speech
(``/audio/speech``, audio bytes back).

Cost: from the provider's usage where it reports one (gpt-4o transcription models count audio and text
tokens; whisper-1 reports the seconds heard), else from a documented price table: per minute of audio
for transcription, per million characters for speech (OpenAI's published prices; gpt-4o-mini-tts is
billed in audio tokens, about $0.015 a minute, which is ~$15 per million characters of English text).
"""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass
from typing import Any

from llm_router.core.errors import AppError
from llm_router.providers.base import UpstreamError
from llm_router.providers.registry import ResolvedModel

TRANSCRIPTION_MODELS = ("gpt-4o-mini-transcribe", "gpt-4o-transcribe", "whisper-1")
SPEECH_MODELS = ("gpt-4o-mini-tts", "tts-1", "tts-1-hd")
VOICES = ("alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse")
SPEECH_FORMATS = {
    "mp3": "audio/mpeg",
    "opus": "audio/ogg",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
}
PER_MINUTE = {"whisper-1": 0.006, "gpt-4o-transcribe": 0.006, "gpt-4o-mini-transcribe": 0.003}
# dollars per million tokens: (audio in, text in, text out)
TRANSCRIPTION_TOKENS = {"gpt-4o-transcribe": (6.0, 2.5, 10.0), "gpt-4o-mini-transcribe": (3.0, 1.25, 5.0)}
PER_MILLION_CHARS = {"tts-1": 15.0, "tts-1-hd": 30.0, "gpt-4o-mini-tts": 15.0}
MAX_SPEECH_CHARS = 4096


@dataclass(frozen=True, slots=True)
class Transcript:
    text: str
    seconds: float | None
    tokens_in: int
    tokens_out: int
    cost: float | None
    raw: Any  # the provider's answer, for /v1 clients


@dataclass(frozen=True, slots=True)
class Speech:
    audio: bytes
    mime: str
    characters: int
    cost: float | None


def _openai_only(model: ResolvedModel, what: str, known: tuple[str, ...]) -> None:
    if model.provider.protocol != "openai" or not model.model_id.startswith(known):
        raise AppError(
            f"{model.id!r} does not {what}; use {' or '.join(known[:2])} (an OpenAI key)",
            code="not_an_audio_model",
        )


def wav_seconds(data: bytes) -> float | None:
    try:
        with wave.open(io.BytesIO(data)) as audio:
            frames: int = audio.getnframes()
            rate: int = audio.getframerate() or 1
            return frames / rate
    except (wave.Error, EOFError):
        return None


def transcription_cost(model_id: str, usage: dict[str, Any], seconds: float | None) -> float | None:
    if usage.get("type") == "tokens" and model_id in TRANSCRIPTION_TOKENS:
        per_audio, per_text, per_out = TRANSCRIPTION_TOKENS[model_id]
        details = usage.get("input_token_details") or {}
        audio = int(details.get("audio_tokens", usage.get("input_tokens", 0)))
        text = int(details.get("text_tokens", 0))
        return (audio * per_audio + text * per_text + int(usage.get("output_tokens", 0)) * per_out) / 1e6
    if usage.get("type") == "duration":
        seconds = float(usage.get("seconds", 0))
    if seconds is None or model_id not in PER_MINUTE:
        return None
    return PER_MINUTE[model_id] * seconds / 60


async def transcribe(
    model: ResolvedModel,
    audio: bytes,
    filename: str,
    content_type: str,
    *,
    language: str | None = None,
    prompt: str | None = None,
) -> Transcript:
    _openai_only(model, "transcribe audio", TRANSCRIPTION_MODELS)
    body: dict[str, Any] = {"model": model.model_id, "response_format": "json"}
    if language:
        body["language"] = language
    if prompt:
        body["prompt"] = prompt
    response = await model.adapter.post_raw(  # type: ignore[attr-defined]
        "/audio/transcriptions", body, model.model_id, files=[("file", (filename, audio, content_type))]
    )
    answer = response.json()
    if not isinstance(answer, dict) or not isinstance(answer.get("text"), str):
        raise UpstreamError(
            "upstream_error",
            "the provider answered without text",
            provider=model.provider.name,
            model=model.id,
        )
    usage = answer.get("usage") or {}
    seconds = float(usage["seconds"]) if usage.get("type") == "duration" else wav_seconds(audio)
    return Transcript(
        text=answer["text"],
        seconds=seconds,
        tokens_in=int(usage.get("input_tokens", 0)),
        tokens_out=int(usage.get("output_tokens", 0)),
        cost=transcription_cost(model.model_id, usage, seconds),
        raw=answer,
    )


async def speak(
    model: ResolvedModel,
    text: str,
    *,
    voice: str = "alloy",
    response_format: str = "mp3",
    instructions: str | None = None,
    speed: float | None = None,
) -> Speech:
    _openai_only(model, "speak", SPEECH_MODELS)
    body: dict[str, Any] = {
        "model": model.model_id,
        "input": text,
        "voice": voice,
        "response_format": response_format,
    }
    if instructions:
        body["instructions"] = instructions
    if speed is not None:
        body["speed"] = speed
    response = await model.adapter.post_raw("/audio/speech", body, model.model_id)  # type: ignore[attr-defined]
    price = PER_MILLION_CHARS.get(model.model_id)
    return Speech(
        audio=response.content,
        mime=response.headers.get("content-type", SPEECH_FORMATS.get(response_format, "audio/mpeg")),
        characters=len(text),
        cost=None if price is None else price * len(text) / 1e6,
    )
