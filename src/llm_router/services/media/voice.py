"""Voice for a user: dictation (speech to text) and read-aloud (text to speech) through the user's own
keys, one usage row per call. Used by ``/api/audio/*`` (the web app) and ``/v1/audio/*`` (other clients).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from llm_router.core.errors import AppError
from llm_router.db.engine import Database
from llm_router.providers.audio import (
    SPEECH_MODELS,
    TRANSCRIPTION_MODELS,
    Speech,
    Transcript,
    speak,
    transcribe,
)
from llm_router.providers.registry import ProviderRegistry, ResolvedModel
from llm_router.services.usage.records import UsageEvent, record_usage


@dataclass(frozen=True, slots=True)
class Caller:
    owner_id: str
    source: str  # audio (the web app) | openai (/v1)
    api_token_id: str | None = None
    device_id: str | None = None


def audio_model(
    providers: ProviderRegistry, name: str | None, defaults: tuple[str, ...], what: str
) -> ResolvedModel:
    """The model asked for, or the first default a configured provider serves. Audio models are not in
    the chat catalog, so a bare name is also tried on each OpenAI-protocol provider."""
    prefixes = [""] + [f"{c.name}/" for c in providers.configs() if c.protocol == "openai"]
    for candidate in [name] if name else defaults:
        for prefix in prefixes:
            try:
                return providers.resolve(prefix + candidate)
            except AppError:
                continue
    if name:
        return providers.resolve(name)  # the unknown-model error, naming the models there are
    raise AppError(
        f"no {what} model is available: configure OpenAI (OPENAI_API_KEY) or name one "
        f"({', '.join(defaults)})",
        code="model_not_found",
    )


class VoiceService:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def transcribe(
        self,
        caller: Caller,
        providers: ProviderRegistry,
        model_name: str | None,
        audio: bytes,
        filename: str,
        content_type: str,
        *,
        language: str | None = None,
        prompt: str | None = None,
    ) -> Transcript:
        model = audio_model(providers, model_name, TRANSCRIPTION_MODELS, "transcription")
        started = time.perf_counter()
        try:
            result = await transcribe(model, audio, filename, content_type, language=language, prompt=prompt)
        except Exception as exc:
            await self._record(caller, model, started, failure=exc)
            raise
        detail: dict[str, object] = {"seconds": result.seconds}
        await self._record(caller, model, started, result.tokens_in, result.tokens_out, result.cost, detail)
        return result

    async def speak(
        self,
        caller: Caller,
        providers: ProviderRegistry,
        model_name: str | None,
        text: str,
        *,
        voice: str = "alloy",
        response_format: str = "mp3",
        instructions: str | None = None,
        speed: float | None = None,
    ) -> Speech:
        model = audio_model(providers, model_name, SPEECH_MODELS, "speech")
        started = time.perf_counter()
        try:
            result = await speak(
                model,
                text,
                voice=voice,
                response_format=response_format,
                instructions=instructions,
                speed=speed,
            )
        except Exception as exc:
            await self._record(caller, model, started, failure=exc)
            raise
        await self._record(caller, model, started, 0, 0, result.cost, {"characters": len(text)})
        return result

    async def _record(
        self,
        caller: Caller,
        model: ResolvedModel,
        started: float,
        tokens_in: int = 0,
        tokens_out: int = 0,
        cost: float | None = 0.0,
        detail: dict[str, object] | None = None,
        failure: Exception | None = None,
    ) -> None:
        await record_usage(
            self.db,
            UsageEvent(
                owner_id=caller.owner_id,
                source=caller.source,
                provider=model.provider.name,
                model=model.id,
                requested_model=model.id,
                api_token_id=caller.api_token_id,
                device_id=caller.device_id,
                tokens_in=tokens_in,
                tokens_out=tokens_out,
                cost=None if failure else cost,
                latency_ms=int((time.perf_counter() - started) * 1000),
                status="ok" if failure is None else "error",
                error_kind=getattr(failure, "kind", None) or getattr(failure, "code", None),
                attempts=[{"model": model.id, "provider": model.provider.name, **(detail or {})}],
            ),
        )
